namespace Dragonflow.Testing.Sandbox;

/// <summary>
/// One simulated compute node: a network namespace holding an ovsdb-server and an
/// ovs-vswitchd (userspace datapath) with their own run directory, as in the sandbox of
/// scripts/run/sandbox.sh. The OVS command-line tools are run from the
/// host namespace through the unix sockets in <see cref="RunDirectory"/>; a controller under
/// test reaches the chassis the same way (OVSDB at <see cref="DbRemote"/>, OpenFlow through a
/// unix: socket inside <see cref="RunDirectory"/>). Everything is removed on Dispose by the
/// pids and names recorded here.
/// </summary>
public sealed class OvsChassis : IDisposable
{
    private readonly IDisposable _exitGuard;
    private DaemonProcess? _vswitchd;
    private bool _disposed;

    private OvsChassis(SandboxNames names, NetworkNamespace netns, string runDirectory)
    {
        Names = names;
        Namespace = netns;
        RunDirectory = runDirectory;
        _exitGuard = ExitCleanup.Register($"ovs-vswitchd in {runDirectory}", () => _vswitchd?.Stop());
    }

    public SandboxNames Names { get; }

    /// <summary>The chassis namespace (also the chassis name, e.g. "dfk3x9qc1").</summary>
    public NetworkNamespace Namespace { get; }
    public string Name => Namespace.Name;
    public string RunDirectory { get; }
    public string SystemId { get; private set; } = "";
    public OvsdbServerProcess Ovsdb { get; private set; } = null!;

    public string DbSocketPath => Ovsdb.SocketPath;

    /// <summary>"unix:PATH" of this chassis' ovsdb-server.</summary>
    public string DbRemote => Ovsdb.UnixRemote;

    public string VswitchdControlPath => Path.Combine(RunDirectory, "vswitchd.ctl");
    public string VswitchdPidFile => Path.Combine(RunDirectory, "vswitchd.pid");
    public string VswitchdLogPath => Path.Combine(RunDirectory, "vswitchd.log");
    public string OvsdbLogPath => Ovsdb.LogPath;
    public int? VswitchdPid => _vswitchd?.Pid;
    public bool VswitchdRunning => _vswitchd?.IsRunning == true;

    /// <summary>Underlay address (e.g. 172.31.255.1) once the chassis joined an <see cref="OvsSandbox"/>.</summary>
    public string? UnderlayIp { get; internal set; }

    /// <summary>Fixed MAC of br-phy once the chassis joined an <see cref="OvsSandbox"/>.</summary>
    public string? UnderlayMac { get; internal set; }

    public static OvsChassis Start(OvsChassisOptions? options = null)
    {
        options ??= new OvsChassisOptions();
        var names = options.Names ?? new SandboxNames();
        var name = names.Next('c');
        var runDirectory = SandboxNames.RunDirectory(name);
        if (Directory.Exists(runDirectory)) Directory.Delete(runDirectory, recursive: true);
        Directory.CreateDirectory(runDirectory);

        var netns = NetworkNamespace.Create(name);
        var chassis = new OvsChassis(names, netns, runDirectory);
        try
        {
            // arp_ignore=1: otherwise the chassis kernel also answers ARP for the br-phy address
            // on the underlay veth, and OVS may learn the wrong MAC. No IPv6 noise on the underlay.
            netns.Sysctl("net.ipv4.conf.all.arp_ignore=1", "net.ipv6.conf.all.disable_ipv6=1",
                "net.ipv6.conf.default.disable_ipv6=1");
            chassis.Ovsdb = OvsdbServerProcess.Start(runDirectory, netns, options.OvsdbTcpPort);
            chassis.SystemId = options.SystemId ?? name;
            chassis.Vsctl("--no-wait", "init");
            chassis.Vsctl("--no-wait", "set", "Open_vSwitch", ".", $"external_ids:system-id={chassis.SystemId}",
                $"external_ids:hostname={name}");
            if (options.StartVswitchd) chassis.StartVswitchd();
        }
        catch
        {
            chassis.Dispose();
            throw;
        }
        return chassis;
    }

    public void StartVswitchd()
    {
        if (VswitchdRunning) return;
        File.Delete(VswitchdPidFile);
        Namespace.Exec("ovs-vswitchd", new[]
        {
            Ovsdb.UnixRemote, "--pidfile=" + VswitchdPidFile, "--unixctl=" + VswitchdControlPath,
            "--log-file=" + VswitchdLogPath, "-vconsole:off", "-vfile:info", "--detach", "--no-chdir",
        }, environment: Ovsdb.Environment).EnsureSuccess();
        _vswitchd = DaemonProcess.FromPidFile("ovs-vswitchd", VswitchdPidFile);
    }

    public void StopVswitchd() => _vswitchd?.Stop();

    public void KillVswitchd() => _vswitchd?.Kill();

    public void RestartVswitchd()
    {
        StopVswitchd();
        StartVswitchd();
    }

    /// <summary>Restarts ovsdb-server on the same database file (vswitchd reconnects by itself).</summary>
    public void RestartOvsdbServer() => Ovsdb.Restart();

    /// <summary>ovs-vsctl against this chassis; returns trimmed stdout, throws on failure.
    /// Adds --no-wait while vswitchd is not running (nothing would ever acknowledge).</summary>
    public string Vsctl(params string[] args) => TryVsctl(args).EnsureSuccess().StdOut.Trim();

    public ProcessResult TryVsctl(params string[] args)
    {
        var all = new List<string> { "--db=" + Ovsdb.UnixRemote, "--timeout=20" };
        if (!VswitchdRunning && !args.Contains("--no-wait")) all.Add("--no-wait");
        all.AddRange(args);
        return ProcessRunner.Run("ovs-vsctl", all, TimeSpan.FromSeconds(30));
    }

    /// <summary>ovs-ofctl -O OpenFlow13 against this chassis (bridges found through OVS_RUNDIR).</summary>
    public string Ofctl(params string[] args) => TryOfctl(args).EnsureSuccess().StdOut.Trim();

    public ProcessResult TryOfctl(params string[] args) =>
        ProcessRunner.Run("ovs-ofctl", new[] { "-O", "OpenFlow13" }.Concat(args), environment: Ovsdb.Environment);

    /// <summary>Replaces nothing: adds the flows given one per line (ovs-ofctl add-flows BRIDGE -).</summary>
    public void AddFlows(string bridge, string flows) =>
        ProcessRunner.Run("ovs-ofctl", new[] { "-O", "OpenFlow13", "add-flows", bridge, "-" },
            environment: Ovsdb.Environment, stdin: flows).EnsureSuccess();

    /// <summary>ovs-appctl -t vswitchd.ctl ...; returns trimmed stdout, throws on failure.</summary>
    public string Appctl(params string[] args) =>
        ProcessRunner.Run("ovs-appctl", new[] { "-t", VswitchdControlPath }.Concat(args)).EnsureSuccess().StdOut.Trim();

    /// <summary>Runs a program inside the chassis namespace.</summary>
    public ProcessResult Exec(string program, params string[] args) => Namespace.Exec(program, args);

    /// <summary>Adds a userspace (netdev) bridge, as every sandbox bridge must be.</summary>
    public void AddBridge(string name, string failMode = "secure", string? datapathId = null, params string[] extraSettings)
    {
        var set = new List<string> { "--", "--may-exist", "add-br", name, "--", "set", "bridge", name,
            "datapath_type=netdev", $"fail_mode={failMode}", "other_config:disable-in-band=true" };
        if (datapathId is not null) set.Add($"other_config:datapath-id={datapathId}");
        set.AddRange(extraSettings);
        Vsctl(set.ToArray());
    }

    /// <summary>Polls until vswitchd assigned an OpenFlow port number to the interface.</summary>
    public int WaitForOfport(string interfaceName, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var r = TryVsctl("--if-exists", "get", "Interface", interfaceName, "ofport");
            if (r.Succeeded && int.TryParse(r.StdOut.Trim(), out var ofport) && ofport > 0) return ofport;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"interface {interfaceName} got no ofport on {Name}\n{Diagnostics()}");
            Thread.Sleep(50);
        }
    }

    /// <summary>Log tails, for assertion messages.</summary>
    public string Diagnostics(int lines = 25) =>
        $"=== {Name} ovsdb-server log ({OvsdbLogPath}) ===\n{OvsdbServerProcess.Tail(OvsdbLogPath, lines)}\n" +
        $"=== {Name} ovs-vswitchd log ({VswitchdLogPath}) ===\n{OvsdbServerProcess.Tail(VswitchdLogPath, lines)}";

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try { _vswitchd?.Stop(); } catch (Exception ex) { Console.Error.WriteLine($"stopping vswitchd: {ex.Message}"); }
        try { Ovsdb?.Dispose(); } catch (Exception ex) { Console.Error.WriteLine($"stopping ovsdb-server: {ex.Message}"); }
        Namespace.Dispose();
        _exitGuard.Dispose();
        if (Environment.GetEnvironmentVariable("DF_KEEP_SANDBOX") != "1")
        {
            OvsdbServerProcess.RemoveDirectory(RunDirectory);
        }
    }
}
