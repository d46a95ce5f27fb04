using System.Globalization;

namespace Dragonflow.Testing.Sandbox;

/// <summary>
/// A "VM": a network namespace with a veth eth0, whose other end is a port of a chassis'
/// bridge with external_ids:iface-id and attached-mac, as Nova/os-vif would plug it.
/// TX checksum offload is off on eth0: the userspace datapath would otherwise forward
/// TCP/UDP with unfilled checksums and the receiver drops them. The VM gets its own
/// /etc/netns/NAME/resolv.conf, which `ip netns exec` mounts over /etc/resolv.conf, so a DHCP
/// client run inside cannot rewrite the host's.
/// </summary>
public sealed class VmNamespace : IDisposable
{
    private bool _disposed;

    private VmNamespace(OvsChassis chassis, NetworkNamespace netns, string portName, VmOptions options)
    {
        Chassis = chassis;
        Namespace = netns;
        PortName = portName;
        Options = options;
    }

    public OvsChassis Chassis { get; }
    public NetworkNamespace Namespace { get; }
    public string Name => Namespace.Name;

    /// <summary>Name of the chassis-side veth end, i.e. the OVS port/interface name.</summary>
    public string PortName { get; }
    public VmOptions Options { get; }
    public string Mac => Options.Mac;

    /// <summary>The VM's own resolv.conf (what a DHCP client inside writes).</summary>
    public string ResolvConfPath => Path.Combine("/etc/netns", Name, "resolv.conf");

    /// <summary>The address without prefix, when one was given.</summary>
    public string? Ip => Options.IpCidr?.Split('/')[0];

    public static VmNamespace Create(OvsChassis chassis, VmOptions options)
    {
        var netns = NetworkNamespace.Create(chassis.Names.Next('v'));
        var portName = chassis.Names.Next('t');
        var vm = new VmNamespace(chassis, netns, portName, options);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(vm.ResolvConfPath)!);
            File.WriteAllText(vm.ResolvConfPath, "");
            ProcessRunner.RunChecked("ip", "link", "add", portName, "netns", chassis.Namespace.Name, "type", "veth",
                "peer", "name", "eth0", "netns", netns.Name);
            netns.ExecChecked("ip", "link", "set", "eth0", "address", options.Mac, "mtu",
                options.Mtu.ToString(CultureInfo.InvariantCulture));
            netns.Sysctl("net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
            if (options.IpCidr is not null) netns.ExecChecked("ip", "addr", "add", options.IpCidr, "dev", "eth0");
            netns.ExecChecked("ip", "link", "set", "eth0", "up");
            netns.ExecChecked("ethtool", "-K", "eth0", "tx", "off");
            if (options.Gateway is not null) netns.ExecChecked("ip", "route", "add", "default", "via", options.Gateway);
            chassis.Namespace.ExecChecked("ip", "link", "set", portName, "up");

            var vsctl = new List<string> { "--", "add-port", options.Bridge, portName, "--", "set", "Interface", portName,
                $"external_ids:attached-mac=\"{options.Mac}\"" };
            if (options.IfaceId is not null) vsctl.Add($"external_ids:iface-id=\"{options.IfaceId}\"");
            if (options.OfportRequest is { } req) vsctl.Add($"ofport_request={req}");
            chassis.Vsctl(vsctl.ToArray());
        }
        catch
        {
            vm.Dispose();
            throw;
        }
        return vm;
    }

    /// <summary>The OpenFlow port number of this VM's port on its bridge (waits for vswitchd).</summary>
    public int Ofport => Chassis.WaitForOfport(PortName);

    /// <summary>Runs a program inside the VM namespace.</summary>
    public ProcessResult Exec(string program, params string[] args) => Namespace.Exec(program, args);

    /// <summary>Pings from the VM; true when at least one reply came back.</summary>
    public bool Ping(string destination, int count = 1, int timeoutSeconds = 1) =>
        PingResult(destination, count, timeoutSeconds).Succeeded;

    public ProcessResult PingResult(string destination, int count = 1, int timeoutSeconds = 1) =>
        Namespace.Exec("ping", new[] { "-c", count.ToString(CultureInfo.InvariantCulture), "-i", "0.2",
            "-W", timeoutSeconds.ToString(CultureInfo.InvariantCulture), destination },
            timeout: TimeSpan.FromSeconds(count * (timeoutSeconds + 1) + 5));

    /// <summary>Pings until one succeeds or the deadline passes (first packets may trigger
    /// controller work); returns whether any ping succeeded.</summary>
    public bool WaitForPing(string destination, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        do
        {
            if (Ping(destination)) return true;
        } while (DateTime.UtcNow < deadline);
        return false;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (Chassis.Ovsdb.IsRunning) Chassis.TryVsctl("--if-exists", "del-port", Options.Bridge, PortName);
        Namespace.Dispose(); // the veth pair goes with it
    }
}
