using System.Diagnostics;
using Dragonflow.Testing;
using Dragonflow.Testing.NorthDb;
using Dragonflow.Testing.Sandbox;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>
/// Real DHCP clients run inside a VM namespace. Their scripts only call `ip` on the VM's eth0
/// and dump the variables the client passed into a scratch directory of the test; nothing of
/// the host is written (dhclient gets -sf/-lf/-pf/-cf in the scratch directory, and the VM has
/// its own /etc/netns resolv.conf besides).
/// </summary>
public sealed class DhcpClients : IDisposable
{
    private readonly ScratchDirectory _dir = new("df-dhcp-");
    private readonly List<string> _pidFiles = [];
    private readonly List<DaemonProcess> _daemons = [];

    public string Directory => _dir.Path;

    /// <summary>udhcpc from busybox: one attempt of up to <paramref name="tries"/> 1-s tries, quits as soon
    /// as bound (-n -q -f), so spare tries cost nothing when the first one works.</summary>
    public ProcessResult Udhcpc(VmNamespace vm, int tries = 10)
    {
        var script = UdhcpcScript(vm);
        return vm.Namespace.Exec("udhcpc", ["-i", "eth0", "-n", "-q", "-f", "-t", tries.ToString(System.Globalization.CultureInfo.InvariantCulture), "-T", "1", "-A", "1", "-s", script],
            timeout: TimeSpan.FromSeconds(tries * 2 + 10));
    }

    private string UdhcpcScript(VmNamespace vm)
    {
        var script = Path.Combine(Directory, "udhcpc-" + vm.Name + ".sh");
        File.WriteAllText(script, $$"""
            #!/bin/sh
            env | sort > "{{Directory}}/udhcpc-{{vm.Name}}-$1.env"
            case "$1" in
              deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
              bound|renew)
                ip addr add "$ip/$mask" dev "$interface"
                [ -n "$mtu" ] && ip link set dev "$interface" mtu "$mtu"
                for r in $router; do ip route replace default via "$r" dev "$interface"; done
                set -- $staticroutes
                while [ $# -ge 2 ]; do ip route replace "$1" via "$2" dev "$interface"; shift 2; done ;;
            esac
            exit 0
            """);
        ProcessRunner.RunChecked("chmod", "700", script);
        return script;
    }

    /// <summary>
    /// udhcpc left running: it goes into the background once bound and renews on SIGUSR1 (a
    /// unicast REQUEST from its address to the server, RFC 2131 §4.4.5). Stopped on dispose.
    /// </summary>
    public DaemonProcess UdhcpcDaemon(VmNamespace vm)
    {
        var script = UdhcpcScript(vm);
        var pidFile = Path.Combine(Directory, "udhcpc-" + vm.Name + ".pid");
        // Its daemon keeps the standard streams it inherited: they go to /dev/null, or the run would wait for them.
        vm.Namespace.Exec("sh", ["-c", $"udhcpc -i eth0 -n -t 10 -T 1 -A 1 -s '{script}' -p '{pidFile}' </dev/null >/dev/null 2>&1"], timeout: TimeSpan.FromSeconds(30))
            .EnsureSuccess();
        // The pid file is written again by the background process once it forked: wait for a live pid.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (true)
        {
            var daemon = DaemonProcess.FromPidFile("udhcpc", pidFile);
            if (daemon.IsRunning)
            {
                _daemons.Add(daemon);
                return daemon;
            }
            daemon.Stop(); // the parent, gone: off the leftovers ledger
            if (DateTime.UtcNow > deadline) throw new InvalidOperationException($"udhcpc is not running after binding ({pidFile})");
            Thread.Sleep(50);
        }
    }

    /// <summary>The variables udhcpc gave its script for <paramref name="reason"/> (bound, deconfig, ...).</summary>
    public Dictionary<string, string> UdhcpcEnv(VmNamespace vm, string reason) => ReadEnv($"udhcpc-{vm.Name}-{reason}.env");

    /// <summary>ISC dhclient, one try (-1) with a 10 s timeout; it daemonises once bound and is killed by its pid file on dispose.</summary>
    public ProcessResult Dhclient(VmNamespace vm)
    {
        var script = Path.Combine(Directory, "dhclient-" + vm.Name + ".sh");
        File.WriteAllText(script, $$"""
            #!/bin/sh
            env | sort > "{{Directory}}/dhclient-{{vm.Name}}-$reason.env"
            case "$reason" in
              PREINIT) ip link set "$interface" up ;;
              BOUND|RENEW|REBIND|REBOOT)
                ip addr add "$new_ip_address/$new_subnet_mask" dev "$interface"
                [ -n "$new_interface_mtu" ] && ip link set dev "$interface" mtu "$new_interface_mtu"
                for r in $new_routers; do ip route replace default via "$r" dev "$interface"; done ;;
            esac
            exit 0
            """);
        ProcessRunner.RunChecked("chmod", "700", script);
        var conf = Path.Combine(Directory, "dhclient-" + vm.Name + ".conf");
        File.WriteAllText(conf, """
            timeout 15;
            retry 1;
            request subnet-mask, broadcast-address, routers, domain-name, domain-name-servers, interface-mtu;
            """);
        var pidFile = Path.Combine(Directory, "dhclient-" + vm.Name + ".pid");
        _pidFiles.Add(pidFile);
        return vm.Namespace.Exec("dhclient", ["-1", "-v", "-sf", script, "-cf", conf, "-pf", pidFile,
            "-lf", Path.Combine(Directory, "dhclient-" + vm.Name + ".leases"), "eth0"], timeout: TimeSpan.FromSeconds(30));
    }

    public Dictionary<string, string> DhclientEnv(VmNamespace vm, string reason) => ReadEnv($"dhclient-{vm.Name}-{reason}.env");

    private Dictionary<string, string> ReadEnv(string name)
    {
        var path = Path.Combine(Directory, name);
        if (!File.Exists(path)) return [];
        return File.ReadAllLines(path).Where(l => l.Contains('='))
            .Select(l => l.Split('=', 2)).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Last()[1]);
    }

    public void Dispose()
    {
        foreach (var daemon in _daemons) daemon.Stop();
        // A daemonised dhclient lives on after its namespace is gone: stop it by the pid it recorded.
        foreach (var pidFile in _pidFiles)
        {
            try
            {
                if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
                {
                    using var p = Process.GetProcessById(pid);
                    if (p.ProcessName.StartsWith("dhclient", StringComparison.Ordinal)) p.Kill();
                }
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
            {
            }
        }
        _dir.Dispose();
    }
}
