using Dragonflow.NorthDb.Tests.CrossProcess;
using Dragonflow.Testing.NorthDb;

namespace Dragonflow.NorthDb.Tests.PubSub;

/// <summary>A registered zmq publisher running in its own process (the worker's publish verb).</summary>
internal sealed class PublisherWorker : IDisposable
{
    private readonly ChildProcess _process;

    private PublisherWorker(ChildProcess process, string id, string uri)
    {
        _process = process;
        Id = id;
        Uri = uri;
    }

    public string Id { get; }

    public string Uri { get; }

    public static async Task<PublisherWorker> StartAsync(string db, int refreshMs = 200, string? dropTopic = null, long dropSeq = 0)
    {
        var args = dropTopic is null
            ? new[] { "publish", db, refreshMs.ToString() }
            : ["publish", db, refreshMs.ToString(), dropTopic, dropSeq.ToString()];
        var process = Worker.Start(args);
        try
        {
            var ready = (await process.WaitForLineAsync(l => l.StartsWith("ready "), TimeSpan.FromSeconds(30))).Split(' ');
            return new PublisherWorker(process, ready[1], ready[2]);
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    /// <summary>Creates lports TOPIC-1..TOPIC-COUNT in TOPIC through the worker's NbApi.</summary>
    public async Task WriteAsync(string topic, int count)
    {
        _process.SendLine($"write {topic} {count}");
        await _process.WaitForLineAsync(l => l == "done", TimeSpan.FromSeconds(30));
    }

    public async Task ExitAsync()
    {
        _process.SendLine("exit");
        await _process.WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    public void Dispose() => _process.Dispose();
}
