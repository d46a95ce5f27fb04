namespace Dragonflow.Testing.Sandbox;

/// <summary>
/// The physical network between chassis: one namespace holding a Linux bridge, and one veth
/// per chassis from that bridge to the chassis' br-phy. Any number of chassis can join, at any
/// time (a third chassis joining later is just one more veth).
/// </summary>
public sealed class Underlay : IDisposable
{
    private const string BridgeName = "ulbr";
    private readonly SandboxNames _names;

    private Underlay(SandboxNames names, NetworkNamespace netns)
    {
        _names = names;
        Namespace = netns;
    }

    public NetworkNamespace Namespace { get; }

    public static Underlay Create(SandboxNames names)
    {
        var netns = NetworkNamespace.Create(names.Next('n'));
        try
        {
            netns.Sysctl("net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
            netns.ExecChecked("ip", "link", "add", BridgeName, "type", "bridge", "stp_state", "0", "forward_delay", "0");
            netns.ExecChecked("ip", "link", "set", BridgeName, "up");
        }
        catch
        {
            netns.Dispose();
            throw;
        }
        return new Underlay(names, netns);
    }

    /// <summary>Creates a veth from the underlay bridge into the chassis namespace; returns
    /// the name of the chassis-side end (to be added to br-phy).</summary>
    public string Connect(OvsChassis chassis)
    {
        var chassisEnd = _names.Next('u');
        var bridgeEnd = _names.Next('p');
        ProcessRunner.RunChecked("ip", "link", "add", chassisEnd, "netns", chassis.Namespace.Name, "type", "veth",
            "peer", "name", bridgeEnd, "netns", Namespace.Name);
        Namespace.ExecChecked("ip", "link", "set", bridgeEnd, "master", BridgeName);
        Namespace.ExecChecked("ip", "link", "set", bridgeEnd, "up");
        chassis.Namespace.ExecChecked("ip", "link", "set", chassisEnd, "up");
        return chassisEnd;
    }

    public void Dispose() => Namespace.Dispose();
}
