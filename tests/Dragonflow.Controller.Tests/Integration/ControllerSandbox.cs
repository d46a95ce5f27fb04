using System.Globalization;
using Dragonflow.Controller.Hosting;
using Dragonflow.Model;
using Dragonflow.NorthDb;
using Dragonflow.Testing;
using Dragonflow.Testing.NorthDb;
using Dragonflow.Testing.Sandbox;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>
/// Chassis (real OVS in namespaces, joined by a real underlay) each with an in-process
/// <see cref="LocalController"/> — the same class the <c>controller</c> verb runs — sharing one
/// sqlite NB file with ZeroMQ pub/sub on loopback. NB objects are written through NbApi, as
/// the API server would. Everything is removed on dispose, also when a test fails.
/// </summary>
public sealed class ControllerSandbox : IAsyncDisposable
{
    private readonly ScratchDirectory _dir = new("df-ctl-");
    private readonly List<ChassisUnderTest> _chassis = [];

    private ControllerSandbox(NbOptions nb, NbApi api)
    {
        Nb = nb;
        Api = api;
    }

    public OvsSandbox Ovs { get; } = new();

    public NbOptions Nb { get; }

    /// <summary>The NB writer (publishes like the API server).</summary>
    public NbApi Api { get; }

    public IReadOnlyList<ChassisUnderTest> Chassis => _chassis;

    /// <summary>apps_list of the chassis added from now on.</summary>
    public IReadOnlyList<string> Apps { get; set; } = ["l2", "tunneling", "aging"];

    /// <summary>A sandbox on a temporary sqlite NB with ZeroMQ pub/sub, or on <paramref name="backend"/>
    /// (another nb_db_class and pub_sub_driver, e.g. etcd with etcd watch).</summary>
    public static async Task<ControllerSandbox> CreateAsync(NbOptions? backend = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), "df-ctl-nb-" + Guid.NewGuid().ToString("n")[..8]);
        Directory.CreateDirectory(dir);
        var nb = (backend ?? new NbOptions()) with
        {
            NbDbPath = Path.Combine(dir, "nb.db"),
            PublisherPort = 0,
            PublisherBindAddress = "127.0.0.1",
            SubscriberPollInterval = TimeSpan.FromMilliseconds(200),
            PublisherRefreshInterval = TimeSpan.FromSeconds(2),
        };
        var api = await NbFactory.OpenAsync(nb, publish: true);
        return new ControllerSandbox(nb, api);
    }

    /// <summary>Adds a chassis and starts its controller.</summary>
    public Task<ChassisUnderTest> AddChassisAsync(params string[] tunnelTypes) => AddChassisAsync(true, tunnelTypes);

    /// <summary>Adds a chassis; its controller is started in-process when <paramref name="startController"/>.</summary>
    public async Task<ChassisUnderTest> AddChassisAsync(bool startController, params string[] tunnelTypes)
    {
        var ovs = Ovs.AddChassis();
        var chassis = new ChassisUnderTest(this, ovs, "chassis-" + (_chassis.Count + 1).ToString(CultureInfo.InvariantCulture),
            tunnelTypes.Length == 0 ? ["geneve"] : tunnelTypes);
        _chassis.Add(chassis);
        if (startController) await chassis.StartControllerAsync();
        return chassis;
    }

    public async Task<LogicalSwitch> CreateNetworkAsync(int segmentationId, string type = "geneve")
    {
        var net = new LogicalSwitch
        {
            Id = "net-" + Guid.NewGuid().ToString("n")[..8],
            Topic = "tenant1",
            NetworkType = type,
            SegmentationId = segmentationId,
            UniqueKey = await Api.AllocateUniqueKeyAsync<LogicalSwitch>(),
        };
        await Api.CreateAsync(net);
        var subnet = new LogicalSubnet { Id = "sub-" + net.Id, Topic = net.Topic, Lswitch = net.Id, Cidr = "10.0.0.0/24" };
        await Api.CreateAsync(subnet);
        return net;
    }

    public async Task<LogicalPort> CreatePortAsync(LogicalSwitch net, string mac, string ip)
    {
        var port = new LogicalPort
        {
            Id = "port-" + Guid.NewGuid().ToString("n")[..8],
            Topic = net.Topic,
            Lswitch = net.Id,
            Macs = [mac],
            Ips = [new FixedIp("sub-" + net.Id, ip)],
            UniqueKey = await Api.AllocateUniqueKeyAsync<LogicalPort>(),
        };
        return await Api.CreateAsync(port);
    }

    /// <summary>Plugs a VM for <paramref name="port"/> into br-int of <paramref name="chassis"/>.</summary>
    public VmNamespace Plug(ChassisUnderTest chassis, LogicalPort port) =>
        Ovs.AddVm(chassis.Ovs, new VmOptions { Mac = port.Macs[0], IpCidr = port.Ips[0].IpAddress + "/24", IfaceId = port.Id });

    public async Task<LogicalPort> WaitForStatusAsync(string portId, string status, string? chassis, TimeSpan? timeout = null)
    {
        LogicalPort? last = null;
        await Poll.UntilAsync(async () =>
        {
            last = await Api.GetAsync<LogicalPort>(portId);
            return last.Status == status && last.Chassis == chassis;
        }, timeout ?? TimeSpan.FromSeconds(15), $"port {portId} {status} on {chassis ?? "no chassis"}");
        return last!;
    }

    public string Diagnostics() => Ovs.Diagnostics();

    public async ValueTask DisposeAsync()
    {
        foreach (var c in _chassis) await c.StopControllerAsync();
        Ovs.Dispose();
        Api.Dispose();
        try
        {
            Directory.Delete(Path.GetDirectoryName(Nb.NbDbPath)!, recursive: true);
        }
        catch (IOException)
        {
        }
        _dir.Dispose();
    }
}

/// <summary>One chassis with its controller.</summary>
public sealed class ChassisUnderTest(ControllerSandbox sandbox, OvsChassis ovs, string host, string[] tunnelTypes)
{
    public OvsChassis Ovs { get; } = ovs;

    public string Host { get; } = host;

    public RecordingLogger Log { get; } = new();

    public LocalController? Controller { get; private set; }

    public ControllerOptions Options { get; set; } = new()
    {
        Host = host,
        LocalIp = ovs.UnderlayIp!,
        TunnelTypes = tunnelTypes,
        DatapathType = "netdev",
        OvsdbConnection = ovs.DbRemote,
        OfListen = "unix:" + Path.Combine(ovs.RunDirectory, "df-of.sock"),
        Apps = sandbox.Apps,
        Nb = sandbox.Nb,
    };

    /// <summary>The same settings as a config file for <c>dragonflow controller --config</c>.</summary>
    public string WriteConfig(string path)
    {
        File.WriteAllText(path, string.Join("\n",
            "[df]",
            $"host = {Options.Host}",
            $"local_ip = {Options.LocalIp}",
            $"tunnel_types = {string.Join(",", Options.TunnelTypes)}",
            $"integration_bridge = {Options.IntegrationBridge}",
            $"datapath_type = {Options.DatapathType}",
            $"ovsdb_connection = {Options.OvsdbConnection}",
            $"of_listen = {Options.OfListen}",
            $"apps_list = {string.Join(",", Options.Apps)}",
            $"bridge_mappings = {string.Join(",", Options.BridgeMappings)}",
            "nb_db_class = sqlite",
            $"nb_db_path = {Options.Nb.NbDbPath}",
            "publisher_bind_address = 127.0.0.1",
            ""));
        return path;
    }

    public async Task StartControllerAsync() =>
        Controller = await LocalController.StartAsync(Options, new RecordingLoggerFactory(Log));

    public async Task StopControllerAsync()
    {
        if (Controller is { } c)
        {
            Controller = null;
            await c.DisposeAsync();
        }
    }

    public string DumpFlows() => Ovs.Ofctl("dump-flows", "br-int");

    /// <summary>
    /// Waits until br-int's flow table has settled: the tunnel-ingress flows (<c>tun_id=</c>, which
    /// need the tunnel port's number from vswitchd and can follow the port's ACTIVE) and a line for
    /// every <paramref name="required"/> pattern are there, and two dumps a second apart are the same
    /// (counters aside). A test that compares "the flows" before and after something takes its
    /// first picture only after this.
    /// </summary>
    public async Task WaitForSettledFlowsAsync(params string[] required)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var previous = "";
        while (true)
        {
            var now = FlowCounters.Replace(DumpFlows(), "");
            if (now.Contains("tun_id=", StringComparison.Ordinal) && required.All(r => System.Text.RegularExpressions.Regex.IsMatch(now, r)) &&
                now == previous)
                return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the flows of {Host} did not settle (tun_id= and {string.Join(", ", required)}):\n{now}");
            previous = now;
            await Task.Delay(1000);
        }
    }

    private static readonly System.Text.RegularExpressions.Regex FlowCounters =
        new(@"(duration|n_packets|n_bytes|idle_age|hard_age)=[^,\s]+,?\s?", System.Text.RegularExpressions.RegexOptions.Compiled);
}

/// <summary>Every logger it creates writes into one <see cref="RecordingLogger"/>.</summary>
public sealed class RecordingLoggerFactory(RecordingLogger logger) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => logger;

    public void AddProvider(ILoggerProvider provider) { }

    public void Dispose() { }
}
