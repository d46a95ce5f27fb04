using Dragonflow.OpenFlow.Connection;
using Dragonflow.Testing.Sandbox;

namespace Dragonflow.OpenFlow.Tests.Integration;

/// <summary>
/// One sandbox chassis (its own namespace, ovsdb-server and ovs-vswitchd) for a test class;
/// each test adds its own bridge and listener.
/// </summary>
public sealed class OvsFixture : IDisposable
{
    public OvsChassis Chassis { get; } = OvsChassis.Start();

    public void Dispose() => Chassis.Dispose();

    /// <summary>
    /// A fresh OpenFlow 1.3 bridge whose controller is our listener on <paramref name="transport"/>:
    /// "unix" (a socket in the chassis run directory) or "tcp" (127.0.0.1 of the chassis namespace,
    /// where vswitchd runs; the listening socket is created inside it).
    /// </summary>
    public async Task<ControlledBridge> ConnectBridgeAsync(string transport = "unix", OpenFlowConnectionOptions? options = null)
    {
        var name = Chassis.Names.Next('b');
        var dpid = (ulong)Random.Shared.NextInt64(1, long.MaxValue);
        Chassis.AddBridge(name, "secure", dpid.ToString("x16"), "protocols=OpenFlow13");
        var listener = transport == "unix"
            ? new OpenFlowListener($"unix:{Path.Combine(Chassis.RunDirectory, name + ".sock")}", options)
            : Chassis.Namespace.Enter(() => new OpenFlowListener("tcp:127.0.0.1:0", options));
        listener.Start();
        try
        {
            Chassis.Vsctl("set-controller", name, listener.Target);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var conn = await listener.AcceptAsync(cts.Token);
            return new ControlledBridge(Chassis, name, dpid, listener, conn);
        }
        catch
        {
            await listener.DisposeAsync();
            Chassis.TryVsctl("--if-exists", "del-br", name);
            throw;
        }
    }
}

/// <summary>A bridge of the fixture's chassis and our connection to it; dispose deletes the bridge.</summary>
public sealed class ControlledBridge(OvsChassis chassis, string name, ulong datapathId, OpenFlowListener listener, OpenFlowConnection connection) : IAsyncDisposable
{
    public string Name { get; } = name;
    public ulong DatapathId { get; } = datapathId;
    public OpenFlowListener Listener { get; } = listener;
    public OpenFlowConnection Connection { get; } = connection;
    public OvsChassis Chassis { get; } = chassis;

    /// <summary>ovs-ofctl dump-flows of this bridge.</summary>
    public string DumpFlows() => Chassis.Ofctl("dump-flows", Name);

    public async ValueTask DisposeAsync()
    {
        Chassis.TryVsctl("--if-exists", "del-br", Name);
        await Listener.DisposeAsync();
    }
}
