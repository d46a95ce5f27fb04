using System.Globalization;
using Dragonflow.Testing;
using Dragonflow.Testing.Sandbox;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>
/// The physical external network of a test cloud: one namespace holding a Linux bridge (the
/// external L2 segment) whose own address is the external subnet's gateway — the upstream
/// router, and the "host on the external network" the tests reach floating IPs from. Each
/// chassis' external bridge gets an uplink into it, added by the test as an operator would
/// (the controller creates br-ex and its patch to br-int, never the uplink). TX checksum
/// offload is off on the segment's side: the userspace datapath reads frames through
/// AF_PACKET and would forward TCP with unfilled checksums.
/// </summary>
public sealed class ExternalSegment : IDisposable
{
    private const string BridgeName = "extbr";
    private readonly SandboxNames _names;

    private ExternalSegment(SandboxNames names, NetworkNamespace netns, string gatewayIp)
    {
        _names = names;
        Namespace = netns;
        GatewayIp = gatewayIp;
    }

    public NetworkNamespace Namespace { get; }

    /// <summary>The segment's address: the external subnet's gateway.</summary>
    public string GatewayIp { get; }

    /// <summary>The MAC of the gateway address (the Linux bridge's).</summary>
    public string GatewayMac => Namespace.ExecChecked("cat", $"/sys/class/net/{BridgeName}/address").StdOut.Trim();

    public static ExternalSegment Create(SandboxNames names, string gatewayCidr)
    {
        var netns = NetworkNamespace.Create(names.Next('x'));
        try
        {
            netns.Sysctl("net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
            netns.ExecChecked("ip", "link", "add", BridgeName, "type", "bridge", "stp_state", "0", "forward_delay", "0");
            netns.ExecChecked("ip", "addr", "add", gatewayCidr, "dev", BridgeName);
            netns.ExecChecked("ip", "link", "set", BridgeName, "up");
            netns.ExecChecked("ethtool", "-K", BridgeName, "tx", "off");
        }
        catch
        {
            netns.Dispose();
            throw;
        }
        return new ExternalSegment(names, netns, gatewayCidr.Split('/')[0]);
    }

    /// <summary>Plugs an uplink from the segment into <paramref name="bridge"/> of the chassis; returns the OVS port's name.</summary>
    public string Connect(OvsChassis chassis, string bridge = "br-ex")
    {
        var chassisEnd = _names.Next('e');
        var segmentEnd = _names.Next('q');
        ProcessRunner.RunChecked("ip", "link", "add", chassisEnd, "netns", chassis.Namespace.Name, "type", "veth",
            "peer", "name", segmentEnd, "netns", Namespace.Name);
        Namespace.ExecChecked("ip", "link", "set", segmentEnd, "master", BridgeName);
        Namespace.ExecChecked("ethtool", "-K", segmentEnd, "tx", "off");
        Namespace.ExecChecked("ip", "link", "set", segmentEnd, "up");
        chassis.Namespace.ExecChecked("ethtool", "-K", chassisEnd, "tx", "off");
        chassis.Namespace.ExecChecked("ip", "link", "set", chassisEnd, "up");
        chassis.Vsctl("add-port", bridge, chassisEnd);
        return chassisEnd;
    }

    public bool Ping(string destination, int count = 1, int timeoutSeconds = 1) =>
        Namespace.Exec("ping", ["-c", count.ToString(CultureInfo.InvariantCulture), "-i", "0.2", "-W", timeoutSeconds.ToString(CultureInfo.InvariantCulture), destination],
            timeout: TimeSpan.FromSeconds(count * (timeoutSeconds + 1) + 5)).Succeeded;

    /// <summary>Pings until one answer or the deadline.</summary>
    public bool WaitForPing(string destination, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        do
        {
            if (Ping(destination)) return true;
        } while (DateTime.UtcNow < deadline);
        return false;
    }

    public void Dispose() => Namespace.Dispose(); // the uplink veths go with it
}
