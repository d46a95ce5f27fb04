using Dragonflow.OpenFlow.Connection;
using Dragonflow.Testing.Ovs;

namespace Dragonflow.OpenFlow.Tests.Integration;

/// <summary>One private ovs-vswitchd for a test class; each test adds its own bridge and listener.</summary>
public sealed class OvsFixture : IAsyncLifetime
{
    public OvsSwitchProcess Ovs { get; private set; } = null!;

    public async Task InitializeAsync() => Ovs = await OvsSwitchProcess.StartAsync();

    public async Task DisposeAsync() => await Ovs.DisposeAsync();

    /// <summary>A fresh bridge whose controller is our listener on <paramref name="transport"/> ("unix" or "tcp").</summary>
    public async Task<ControlledBridge> ConnectBridgeAsync(string transport = "unix", OpenFlowConnectionOptions? options = null)
    {
        var name = OvsSwitchProcess.UniqueName("of");
        var dpid = (ulong)Random.Shared.NextInt64(1, long.MaxValue);
        await Ovs.AddBridgeAsync(name, dpid);
        var target = transport == "unix" ? $"unix:{Path.Combine(Ovs.RunDir, name + ".sock")}" : "tcp:127.0.0.1:0";
        var listener = new OpenFlowListener(target, options).Start();
        try
        {
            await Ovs.SetControllerAsync(name, listener.Target);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var conn = await listener.AcceptAsync(cts.Token);
            return new ControlledBridge(this, name, dpid, listener, conn);
        }
        catch
        {
            await listener.DisposeAsync();
            throw;
        }
    }
}

public sealed class ControlledBridge(OvsFixture fixture, string name, ulong datapathId, OpenFlowListener listener, OpenFlowConnection connection) : IAsyncDisposable
{
    public string Name { get; } = name;
    public ulong DatapathId { get; } = datapathId;
    public OpenFlowListener Listener { get; } = listener;
    public OpenFlowConnection Connection { get; } = connection;
    public OvsSwitchProcess Ovs => fixture.Ovs;

    public Task<string> DumpFlowsAsync() => Ovs.OfctlAsync("dump-flows", Name);

    public async ValueTask DisposeAsync()
    {
        try { await Ovs.VsctlAsync("del-br", Name); } catch (InvalidOperationException) { }
        await Listener.DisposeAsync();
    }
}
