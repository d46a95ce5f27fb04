// Worker process for the NB tests. DB is a sqlite file path, or redis:HOST:PORT / etcd:HOST:PORT /
// zookeeper:HOST:PORT[,HOST:PORT...]
// for a networked backend (cas-increment and alloc). Verbs:
//   cas-increment DB ID COUNT   add 1 to chassis ID's ip COUNT times through get + CAS update
//   alloc DB TABLE COUNT         allocate COUNT unique keys, one per output line
//   publish DB REFRESH_MS [DROP_TOPIC DROP_SEQ]
//                                run a registered zmq publisher; stdin commands:
//                                  write TOPIC COUNT   create COUNT lports TOPIC-1.. in TOPIC
//                                  exit
using Dragonflow.Model;
using Dragonflow.NorthDb;
using Dragonflow.NorthDb.Drivers;
using Dragonflow.NorthDb.Drivers.Sqlite;
using Dragonflow.NorthDb.PubSub;
using Dragonflow.NorthDb.PubSub.Zmq;

var verb = args.Length > 0 ? args[0] : "";
switch (verb)
{
    case "cas-increment":
        return await CasIncrementAsync(args[1], args[2], int.Parse(args[3]));
    case "alloc":
        return await AllocAsync(args[1], args[2], int.Parse(args[3]));
    case "publish":
        return await PublishAsync(args[1], int.Parse(args[2]), args.Length > 4 ? (args[3], long.Parse(args[4])) : null);
    default:
        Console.Error.WriteLine("usage: cas-increment DB ID COUNT | alloc DB TABLE COUNT | publish DB REFRESH_MS [DROP_TOPIC DROP_SEQ]");
        return 2;
}

static INbDriver OpenDriver(string db) =>
    db.Split(':', 2) switch
    {
        ["redis" or "etcd" or "zookeeper", var hosts] => NbFactory.CreateDriver(new NbOptions { NbDbClass = db.Split(':')[0], RemoteDbHosts = hosts.Split(',') }),
        _ => new SqliteNbDriver(db),
    };

static async Task<int> CasIncrementAsync(string db, string id, int count)
{
    using var driver = OpenDriver(db);
    using var api = new NbApi(driver);
    var conflicts = 0;
    for (var i = 0; i < count; i++)
    {
        while (true)
        {
            var chassis = await api.GetAsync<Chassis>(id);
            chassis.Ip = (int.Parse(chassis.Ip) + 1).ToString();
            try
            {
                await api.UpdateAsync(chassis);
                break;
            }
            catch (NbVersionConflictException)
            {
                conflicts++;
            }
        }
    }
    Console.WriteLine($"conflicts {conflicts}");
    return 0;
}

static async Task<int> AllocAsync(string db, string table, int count)
{
    using var driver = OpenDriver(db);
    var keys = new List<long>(count);
    for (var i = 0; i < count; i++)
    {
        keys.Add(await driver.AllocateUniqueKeyAsync(table));
    }
    Console.WriteLine(string.Join('\n', keys));
    return 0;
}

static async Task<int> PublishAsync(string db, int refreshMs, (string Topic, long Seq)? drop)
{
    using var driver = new SqliteNbDriver(db);
    using var publisher = new ZmqNbPublisher("127.0.0.1", 0);
    if (drop is { } d)
    {
        publisher.DropForTest = u => PubSubTopic.Of(u.Topic) == d.Topic && u.Seq == d.Seq;
    }
    publisher.Start();
    using var api = new NbApi(driver, publisher);
    using (var registration = new PublisherRegistration(api, publisher, TimeSpan.FromMilliseconds(refreshMs), TimeSpan.FromSeconds(2)))
    {
        await registration.StartAsync();
        Console.WriteLine($"ready {publisher.PublisherId} {publisher.Uri}");
        while (Console.ReadLine() is { } line)
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words is ["write", var topic, var n])
            {
                for (var i = 1; i <= int.Parse(n); i++)
                {
                    await api.CreateAsync(new LogicalPort { Id = $"{topic}-{i}", Topic = topic, Lswitch = "net" });
                }
                Console.WriteLine("done");
            }
            else if (words is ["exit"])
            {
                break;
            }
        }
    }
    return 0;
}
