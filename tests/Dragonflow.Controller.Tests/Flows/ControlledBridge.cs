using System.Globalization;
using Dragonflow.OpenFlow.Connection;
using Dragonflow.Testing.NorthDb;
using Dragonflow.Testing.Sandbox;

namespace Dragonflow.Controller.Tests.Flows;

/// <summary>
/// A br-int-like bridge on a sandbox chassis (netdev, fail_mode secure, OpenFlow13, no in-band)
/// whose controller is our listener on a unix socket in the chassis run directory.
/// </summary>
public sealed class ControlledBridge : IAsyncDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(20);

    private ControlledBridge(OvsChassis chassis, string name, OpenFlowListener listener)
    {
        Chassis = chassis;
        Name = name;
        Listener = listener;
    }

    public OvsChassis Chassis { get; }
    public string Name { get; }
    public OpenFlowListener Listener { get; }
    public OpenFlowConnection Connection { get; private set; } = null!;

    public static async Task<ControlledBridge> CreateAsync(OvsChassis chassis)
    {
        var name = chassis.Names.Next('b');
        chassis.AddBridge(name, "secure", null, "protocols=OpenFlow13");
        var listener = new OpenFlowListener($"unix:{Path.Combine(chassis.RunDirectory, name + ".of")}").Start();
        var bridge = new ControlledBridge(chassis, name, listener);
        try
        {
            // The controller first, then flows: set-controller from none to one flushes the bridge.
            chassis.Vsctl("set-controller", name, listener.Target);
            // Reconnect within a second after we drop the connection (the default backoff grows to 8 s).
            chassis.Vsctl("set", "controller", name, "max_backoff=1000");
            await bridge.AcceptAsync();
        }
        catch
        {
            await bridge.DisposeAsync();
            throw;
        }
        return bridge;
    }

    /// <summary>Waits for the switch's next connection (after a drop or a vswitchd restart).</summary>
    public async Task<OpenFlowConnection> AcceptAsync()
    {
        using var cts = new CancellationTokenSource(ConnectTimeout);
        Connection = await Listener.AcceptAsync(cts.Token);
        return Connection;
    }

    /// <summary>Drops our side of the connection, as a dying controller would, and accepts the switch's reconnect.</summary>
    public async Task<OpenFlowConnection> ReconnectAsync()
    {
        await Connection.DisposeAsync();
        return await AcceptAsync();
    }

    /// <summary>The bridge's flows as ovs-ofctl shows them.</summary>
    public IReadOnlyList<DumpedFlow> DumpFlows() =>
        DumpedFlow.ParseAll(Chassis.Ofctl("dump-flows", "--no-stats", Name));

    /// <summary>The dump without the canary, sorted, one string per flow (cookie included).</summary>
    public IReadOnlyList<string> DumpText() =>
        DumpFlows().Select(f => f.ToString()).Order(StringComparer.Ordinal).ToList();

    public Task WaitForFlowsAsync(Func<IReadOnlyList<DumpedFlow>, bool> condition, string what) =>
        Poll.UntilAsync(() => condition(DumpFlows()), TimeSpan.FromSeconds(10), what + " on " + Name);

    public async ValueTask DisposeAsync()
    {
        if (Chassis.Ovsdb.IsRunning) Chassis.TryVsctl("--if-exists", "del-br", Name);
        await Listener.DisposeAsync();
    }
}

/// <summary>One line of <c>ovs-ofctl dump-flows --no-stats</c>.</summary>
public sealed record DumpedFlow(ulong Cookie, byte Table, ushort Priority, string Match, string Actions)
{
    public uint Generation => (uint)(Cookie & 0xFFFF_FFFF);
    public byte App => (byte)(Cookie >> 56);
    public bool IsCanary => Table == 200;

    public static IReadOnlyList<DumpedFlow> ParseAll(string dump) =>
        dump.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.Contains("actions=", StringComparison.Ordinal))
            .Select(Parse)
            .ToList();

    // e.g. "cookie=0x100000000000002, table=17, priority=100,in_port=1 actions=output:2"
    public static DumpedFlow Parse(string line)
    {
        var at = line.IndexOf(" actions=", StringComparison.Ordinal);
        var head = line[..at];
        var actions = line[(at + " actions=".Length)..];
        ulong cookie = 0;
        byte table = 0;
        ushort priority = 0x8000;
        var match = new List<string>();
        foreach (var part in head.Split(", "))
        {
            if (part.StartsWith("cookie=", StringComparison.Ordinal))
                cookie = ulong.Parse(part["cookie=0x".Length..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            else if (part.StartsWith("table=", StringComparison.Ordinal))
                table = byte.Parse(part["table=".Length..], CultureInfo.InvariantCulture);
            else
            {
                foreach (var field in part.Split(','))
                {
                    if (field.StartsWith("priority=", StringComparison.Ordinal))
                        priority = ushort.Parse(field["priority=".Length..], CultureInfo.InvariantCulture);
                    else if (field.Length > 0)
                        match.Add(field);
                }
            }
        }
        return new DumpedFlow(cookie, table, priority, string.Join(",", match), actions);
    }

    public override string ToString() => $"cookie=0x{Cookie:x} table={Table} priority={Priority} {Match} actions={Actions}";
}
