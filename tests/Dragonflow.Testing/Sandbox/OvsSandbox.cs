using System.Globalization;

namespace Dragonflow.Testing.Sandbox;

/// <summary>
/// N chassis joined by one underlay, plus the VMs plugged into them. Each chassis gets a
/// br-phy bridge (fixed MAC, NORMAL switching) whose internal port holds its underlay address
/// <c>{UnderlayPrefix}.{n}/24</c>, and static tunnel-neighbour entries towards every other
/// chassis (without them the first packets over a tunnel are lost while OVS ARPs).
/// Chassis may be added at any time. Dispose removes VMs, chassis and the underlay.
/// </summary>
public sealed class OvsSandbox : IDisposable
{
    private readonly List<OvsChassis> _chassis = new();
    private readonly List<VmNamespace> _vms = new();
    private Underlay? _underlay;
    private bool _disposed;

    public OvsSandbox(string underlayPrefix = "172.31.255")
    {
        UnderlayPrefix = underlayPrefix;
    }

    public SandboxNames Names { get; } = new();
    public string UnderlayPrefix { get; }
    public IReadOnlyList<OvsChassis> Chassis => _chassis;
    public IReadOnlyList<VmNamespace> Vms => _vms;

    /// <summary>Starts a chassis and wires it to the underlay; its address is
    /// <see cref="OvsChassis.UnderlayIp"/> (.1 for the first, .2 for the second, ...).</summary>
    public OvsChassis AddChassis(string? systemId = null)
    {
        _underlay ??= Underlay.Create(Names);
        var index = _chassis.Count + 1;
        var chassis = OvsChassis.Start(new OvsChassisOptions { Names = Names, SystemId = systemId });
        _chassis.Add(chassis);

        var uplink = _underlay.Connect(chassis);
        var mac = $"02:fe:00:00:00:{index.ToString("x2", CultureInfo.InvariantCulture)}";
        var ip = $"{UnderlayPrefix}.{index}";
        chassis.Vsctl("--", "add-br", "br-phy", "--", "set", "bridge", "br-phy", "datapath_type=netdev",
            "fail_mode=standalone", $"other_config:hwaddr=\"{mac}\"", "--", "add-port", "br-phy", uplink);
        chassis.Namespace.ExecChecked("ip", "addr", "add", ip + "/24", "dev", "br-phy");
        chassis.Namespace.ExecChecked("ip", "link", "set", "br-phy", "up");
        chassis.UnderlayIp = ip;
        chassis.UnderlayMac = mac;

        chassis.Appctl("tnl/neigh/aging", "3600");
        foreach (var other in _chassis.Where(c => c != chassis))
        {
            chassis.Appctl("tnl/neigh/set", "br-phy", other.UnderlayIp!, other.UnderlayMac!);
            other.Appctl("tnl/neigh/set", "br-phy", ip, mac);
        }
        return chassis;
    }

    public VmNamespace AddVm(OvsChassis chassis, VmOptions options)
    {
        var vm = VmNamespace.Create(chassis, options);
        _vms.Add(vm);
        return vm;
    }

    /// <summary>Re-adds the static tunnel neighbours of a chassis (they are lost when its
    /// vswitchd restarts).</summary>
    public void RefreshTunnelNeighbours(OvsChassis chassis)
    {
        chassis.Appctl("tnl/neigh/aging", "3600");
        foreach (var other in _chassis.Where(c => c != chassis))
            chassis.Appctl("tnl/neigh/set", "br-phy", other.UnderlayIp!, other.UnderlayMac!);
    }

    /// <summary>Log tails of every chassis, for assertion messages.</summary>
    public string Diagnostics() => string.Join("\n", _chassis.Select(c => c.Diagnostics()));

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var vm in Enumerable.Reverse(_vms)) Try(vm.Dispose);
        foreach (var c in Enumerable.Reverse(_chassis)) Try(c.Dispose);
        if (_underlay is not null) Try(_underlay.Dispose);
    }

    private static void Try(Action a)
    {
        try { a(); } catch (Exception ex) { Console.Error.WriteLine($"sandbox cleanup: {ex.Message}"); }
    }
}
