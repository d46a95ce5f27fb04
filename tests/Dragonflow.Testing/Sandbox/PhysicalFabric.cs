using System.Text.RegularExpressions;

namespace Dragonflow.Testing.Sandbox;

/// <summary>
/// The physical network of provider (flat and VLAN) networks: an Open vSwitch of its own in a
/// namespace (the fabric switch: one standalone bridge doing NORMAL, VLAN-aware learning
/// switching, every port a trunk), and one veth per chassis from it into the chassis' physical
/// bridge (the bridge [df] bridge_mappings names; the controller makes it and patches it to
/// br-int, the test adds the uplink as an operator would). The switch's forwarding database
/// records the VLAN each MAC was seen in (0 for untagged frames): that is how tests see the
/// tags on the wire. TX checksum offload is off on both ends: the userspace datapath reads
/// frames through AF_PACKET and would forward TCP with unfilled checksums.
/// </summary>
public sealed class PhysicalFabric : IDisposable
{
    private const string BridgeName = "fabric";

    /// <summary>The VLAN the fabric switch files untagged frames (flat networks) under.</summary>
    public const int UntaggedVlan = 0;

    private readonly SandboxNames _names;
    // The fabric's end of each chassis' uplink, by the chassis' namespace.
    private readonly Dictionary<string, string> _uplinks = new(StringComparer.Ordinal);

    private PhysicalFabric(SandboxNames names, OvsChassis ovs)
    {
        _names = names;
        Switch = ovs;
    }

    /// <summary>The fabric switch's OVS instance and namespace.</summary>
    public OvsChassis Switch { get; }

    public NetworkNamespace Namespace => Switch.Namespace;

    public static PhysicalFabric Create(SandboxNames names)
    {
        var ovs = OvsChassis.Start(new OvsChassisOptions { Names = names });
        try
        {
            ovs.Vsctl("add-br", BridgeName, "--", "set", "bridge", BridgeName, "datapath_type=netdev");
        }
        catch
        {
            ovs.Dispose();
            throw;
        }
        return new PhysicalFabric(names, ovs);
    }

    /// <summary>Plugs a trunk from the fabric into <paramref name="bridge"/> of the chassis; returns the chassis' OVS port's name.</summary>
    public string Connect(OvsChassis chassis, string bridge)
    {
        var chassisEnd = _names.Next('h');
        var fabricEnd = _names.Next('k');
        ProcessRunner.RunChecked("ip", "link", "add", chassisEnd, "netns", chassis.Namespace.Name, "type", "veth",
            "peer", "name", fabricEnd, "netns", Namespace.Name);
        Namespace.ExecChecked("ethtool", "-K", fabricEnd, "tx", "off");
        Namespace.ExecChecked("ip", "link", "set", fabricEnd, "up");
        Switch.Vsctl("add-port", BridgeName, fabricEnd);
        chassis.Namespace.ExecChecked("ethtool", "-K", chassisEnd, "tx", "off");
        chassis.Namespace.ExecChecked("ip", "link", "set", chassisEnd, "up");
        chassis.Vsctl("--may-exist", "add-br", bridge, "--", "set", "bridge", bridge, "datapath_type=netdev");
        chassis.Vsctl("add-port", bridge, chassisEnd);
        _uplinks[chassis.Namespace.Name] = fabricEnd;
        return chassisEnd;
    }

    /// <summary>
    /// A host on the physical network, outside the cloud: an internal port of the fabric switch
    /// in VLAN <paramref name="vlan"/> (null: untagged) with address <paramref name="ipCidr"/>, in
    /// the fabric's namespace (ping from there with <see cref="Namespace"/>). No Neutron port
    /// knows its MAC: the VMs reach it by flooding and unknown unicast.
    /// </summary>
    public void AddHost(int? vlan, string ipCidr)
    {
        var name = _names.Next('j');
        Switch.Vsctl(["add-port", BridgeName, name, .. vlan is { } v ? new[] { "tag=" + v.ToString(System.Globalization.CultureInfo.InvariantCulture) } : [],
            "--", "set", "interface", name, "type=internal"]);
        Switch.WaitForOfport(name);
        Namespace.ExecChecked("ethtool", "-K", name, "tx", "off");
        Namespace.ExecChecked("ip", "addr", "add", ipCidr, "dev", name);
        Namespace.ExecChecked("ip", "link", "set", name, "up");
    }

    /// <summary>The VLANs in which the fabric switch has seen frames from <paramref name="mac"/> (its MAC learning table).</summary>
    /// <summary>
    /// Captures up to <paramref name="count"/> frames matching <paramref name="filter"/> (tcpdump's
    /// syntax) on the fabric's end of <paramref name="chassis"/>' uplink, each printed with its
    /// link-level header (<c>-e</c>: an 802.1Q tag shows as "vlan N"). Start it, give tcpdump a
    /// moment to listen, make the traffic, then await it; it ends after <paramref name="timeout"/>
    /// with what it saw.
    /// </summary>
    public Task<ProcessResult> CaptureAsync(OvsChassis chassis, string filter, int count, TimeSpan timeout) =>
        Namespace.ExecAsync("tcpdump", ["-l", "-e", "-nn", "-i", _uplinks[chassis.Namespace.Name],
            "-c", count.ToString(System.Globalization.CultureInfo.InvariantCulture), .. filter.Split(' ')], timeout);

    public IReadOnlySet<int> VlansSeenFrom(string mac)
    {
        // fdb/show: " port  VLAN  MAC                Age"
        var vlans = new HashSet<int>();
        foreach (var line in Switch.Appctl("fdb/show", BridgeName).Split('\n'))
        {
            var cols = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (cols.Length >= 3 && string.Equals(cols[2], mac, StringComparison.OrdinalIgnoreCase) &&
                int.TryParse(cols[1], System.Globalization.CultureInfo.InvariantCulture, out var vlan))
                vlans.Add(vlan);
        }
        return vlans;
    }

    public void Dispose() => Switch.Dispose(); // the trunk veths go with its namespace
}
