using System.Globalization;
using System.Text.RegularExpressions;

namespace Dragonflow.Cli.Sandbox;

/// <summary>
/// A throwaway Open vSwitch for tools that need a real switch (<c>dragonflow bench</c>): its own
/// ovsdb-server and ovs-vswitchd in a temporary run directory (database, sockets, pidfiles,
/// unixctl sockets and logs all inside it; never the system instance). ovs-vswitchd runs in a
/// network namespace of its own (named like the bridge): the userspace datapath makes an
/// <c>ovs-netdev</c> device and a tap device per bridge, which would collide with any other
/// userspace OVS in the host namespace (a running <c>./run.sh</c>, say). It holds one userspace
/// bridge at a time. Dispose stops both daemons by the pids they recorded and removes the
/// namespace and the directory; should the process exit before that (Ctrl-C), a process-exit
/// hook does the same. Before anything is created, the OVS programs and schema
/// it needs and root (the userspace datapath opens /dev/net/tun) are checked for.
/// </summary>
sealed partial class SandboxSwitch : IAsyncDisposable
{
    private const string Schema = "/usr/share/openvswitch/vswitch.ovsschema";
    private const string OvsdbTool = "ovsdb-tool", OvsdbServer = "ovsdb-server", Vswitchd = "ovs-vswitchd", Vsctl = "ovs-vsctl", Ofctl = "ovs-ofctl", Ip = "ip";
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(30);
    private readonly Dictionary<string, string> _environment;
    private SandboxDaemon? _ovsdb;
    private SandboxDaemon? _vswitchd;
    private int _disposed;
    private bool _namespaceMade;

    private SandboxSwitch(string runDirectory)
    {
        RunDirectory = runDirectory;
        // The tools find the bridge management sockets (BRIDGE.mgmt) through OVS_RUNDIR.
        _environment = new() { ["OVS_RUNDIR"] = runDirectory, ["OVS_LOGDIR"] = runDirectory, ["OVS_DBDIR"] = runDirectory };
        // Short bridge names: the userspace datapath creates a tap device named after the bridge
        // in the host namespace, and interface names are limited to 15 characters.
        Bridge = "dfb" + Guid.NewGuid().ToString("N")[..8];
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    public string RunDirectory { get; }
    public string Bridge { get; }

    /// <summary>The network namespace ovs-vswitchd runs in (named like the bridge).</summary>
    public string Namespace => Bridge;
    public string DbSocket => Path.Combine(RunDirectory, "db.sock");
    public int? OvsdbPid => _ovsdb?.Pid;
    public int? VswitchdPid => _vswitchd?.Pid;
    public string VswitchdLog => Path.Combine(RunDirectory, "vswitchd.log");

    /// <summary>A unix: target inside the run directory (vswitchd only connects to unix sockets there).</summary>
    public string ControllerTarget => $"unix:{Path.Combine(RunDirectory, "controller.sock")}";

    public static async Task<SandboxSwitch> StartAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        OvsPrerequisites.RequirePrograms(OvsdbTool, OvsdbServer, Vswitchd, Vsctl, Ofctl);
        OvsPrerequisites.RequireIp();
        OvsPrerequisites.RequireFile(Schema);
        OvsPrerequisites.RequireRoot($"a private {Vswitchd} (its userspace bridge opens /dev/net/tun)");
        // Under /tmp, kept short: unix socket paths are limited to 107 bytes.
        var sandbox = new SandboxSwitch(Directory.CreateTempSubdirectory("dfbench-").FullName);
        try
        {
            var db = Path.Combine(sandbox.RunDirectory, "conf.db");
            await sandbox.ToolAsync(OvsdbTool, ["create", db, Schema], cancellationToken);
            sandbox._ovsdb = await sandbox.StartDaemonAsync(OvsdbServer, "ovsdb", [db, $"--remote=punix:{sandbox.DbSocket}"], cancellationToken);
            await sandbox.VsctlAsync(["--no-wait", "init"], cancellationToken);
            await sandbox.ToolAsync(Ip, ["netns", "add", sandbox.Namespace], cancellationToken);
            sandbox._namespaceMade = true;
            await sandbox.ToolAsync(Ip, ["-n", sandbox.Namespace, "link", "set", "lo", "up"], cancellationToken);
            sandbox._vswitchd = await sandbox.StartDaemonAsync(Vswitchd, "vswitchd", [$"unix:{sandbox.DbSocket}"], cancellationToken);
            return sandbox;
        }
        catch
        {
            await sandbox.DisposeAsync();
            throw;
        }
    }

    private async Task<SandboxDaemon> StartDaemonAsync(string program, string name, string[] args, CancellationToken cancellationToken)
    {
        var pidFile = Path.Combine(RunDirectory, name + ".pid");
        // vswitchd in the sandbox's namespace; the others need none (unix sockets only).
        string[] command = program == Vswitchd ? [Ip, "netns", "exec", Namespace, program] : [program];
        await ToolAsync(command[0], [.. command[1..], .. args, $"--pidfile={pidFile}", $"--unixctl={Path.Combine(RunDirectory, name + ".ctl")}",
            $"--log-file={Path.Combine(RunDirectory, name + ".log")}", "-vconsole:off", "-vfile:info", "--detach", "--no-chdir"],
            cancellationToken);
        return await SandboxDaemon.FromPidFileAsync(program, pidFile);
    }

    /// <summary>
    /// Deletes the bridge (with all its flows) if present and adds it afresh: userspace datapath,
    /// OpenFlow 1.3 only, secure fail mode, no in-band control, and the given controller if any.
    /// Returns once vswitchd has configured it.
    /// </summary>
    public Task ResetBridgeAsync(string? controllerTarget, CancellationToken cancellationToken)
    {
        List<string> args = ["--", "--if-exists", "del-br", Bridge, "--", "add-br", Bridge, "--", "set", "bridge", Bridge,
            "datapath_type=netdev", "fail_mode=secure", "protocols=OpenFlow13", "other_config:disable-in-band=true"];
        if (controllerTarget is not null) args.AddRange(["--", "set-controller", Bridge, controllerTarget]);
        return VsctlAsync(args, cancellationToken);
    }

    public Task<string> VsctlAsync(IEnumerable<string> args, CancellationToken cancellationToken) =>
        ToolAsync(Vsctl, [$"--db=unix:{DbSocket}", "--timeout=20", .. args], cancellationToken);

    /// <summary>ovs-ofctl -O OpenFlow13 ARGS (the bridge is found through OVS_RUNDIR).</summary>
    public Task<string> OfctlAsync(IEnumerable<string> args, TimeSpan timeout, CancellationToken cancellationToken) =>
        OvsTool.RunAsync(Ofctl, ["-O", "OpenFlow13", .. args], _environment, timeout, cancellationToken);

    /// <summary>
    /// The ovs-vsctl commands that plug a "VM interface" carrying <paramref name="ifaceId"/>: a patch
    /// port pair <paramref name="a"/>-<paramref name="b"/> on the bridge (an ofport, no kernel device).
    /// </summary>
    public string[] PlugCommands(string a, string b, string ifaceId) =>
        ["--", "add-port", Bridge, a, "--", "set", "Interface", a, "type=patch", $"options:peer={b}", $"external_ids:iface-id={ifaceId}",
         "--", "add-port", Bridge, b, "--", "set", "Interface", b, "type=patch", $"options:peer={a}"];

    /// <summary>An OpenFlow flow monitor on the bridge (ovs-ofctl monitor), for when flows appear.</summary>
    public FlowMonitor MonitorFlows() => FlowMonitor.Start(Ofctl, Bridge, _environment);

    /// <summary>The number of flows in the bridge's tables (ovs-ofctl dump-aggregate).</summary>
    public async Task<long> CountFlowsAsync(CancellationToken cancellationToken)
    {
        var reply = await OfctlAsync(["dump-aggregate", Bridge], ToolTimeout, cancellationToken);
        var m = FlowCount().Match(reply);
        if (!m.Success) throw new SandboxException($"unexpected dump-aggregate reply: {reply.Trim()}");
        return long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"flow_count=(\d+)")]
    private static partial Regex FlowCount();

    /// <summary>The cookie of every flow in the bridge (ovs-ofctl dump-flows).</summary>
    public async Task<IReadOnlyList<ulong>> CookiesAsync(CancellationToken cancellationToken)
    {
        var reply = await OfctlAsync(["dump-flows", Bridge], ToolTimeout, cancellationToken);
        return CookieField().Matches(reply).Select(m => ulong.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToList();
    }

    [GeneratedRegex(@"cookie=0x([0-9a-f]+)")]
    private static partial Regex CookieField();

    private Task<string> ToolAsync(string program, IEnumerable<string> args, CancellationToken cancellationToken) =>
        OvsTool.RunAsync(program, args, _environment, ToolTimeout, cancellationToken);

    /// <summary>The last lines of the vswitchd log, for error messages.</summary>
    public string VswitchdLogTail(int lines = 15)
    {
        try
        {
            var all = File.ReadAllLines(VswitchdLog);
            return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
        }
        catch (IOException)
        {
            return "";
        }
    }

    private void OnProcessExit(object? sender, EventArgs e)
    {
        // Exiting before Dispose ran (Ctrl-C while it was still busy): no time for grace.
        _vswitchd?.Kill();
        _ovsdb?.Kill();
        RemoveNamespace();
        RemoveRunDirectory();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        try
        {
            // Deleting the bridge first lets vswitchd remove its tap device itself.
            if (_vswitchd?.IsRunning == true && _ovsdb?.IsRunning == true)
            {
                try
                {
                    await OvsTool.RunAsync(Vsctl, [$"--db=unix:{DbSocket}", "--timeout=5", "--if-exists", "del-br", Bridge],
                        _environment, TimeSpan.FromSeconds(10), CancellationToken.None);
                }
                catch (Exception e) when (e is SandboxException or MissingPrerequisiteException)
                {
                    // Not fatal here: the daemons are stopped by pid below all the same.
                    Console.Error.WriteLine($"warning: {e.Message}");
                }
            }
            _vswitchd?.Stop(TimeSpan.FromSeconds(3));
            _ovsdb?.Stop(TimeSpan.FromSeconds(3));
            RemoveNamespace();
        }
        finally
        {
            AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
            RemoveRunDirectory();
        }
    }

    /// <summary>Deletes vswitchd's network namespace, with whatever devices it still holds.</summary>
    private void RemoveNamespace()
    {
        if (!_namespaceMade) return;
        try
        {
            using var ip = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(Ip, ["netns", "del", Namespace])
            {
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            ip?.WaitForExit(5000);
            _namespaceMade = false;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            // Cleanup (also on process exit) must not throw: the namespace is reported, not removed.
            Console.Error.WriteLine($"warning: cannot remove network namespace {Namespace}: ip: {e.Message}");
        }
    }

    private void RemoveRunDirectory()
    {
        // A daemon that just exited may still be unlinking its sockets; retry briefly.
        for (var attempt = 0; attempt < 20; attempt++)
        {
            try
            {
                if (Directory.Exists(RunDirectory)) Directory.Delete(RunDirectory, recursive: true);
                return;
            }
            catch (IOException)
            {
                Thread.Sleep(50);
            }
        }
        Console.Error.WriteLine($"warning: could not remove {RunDirectory}");
    }
}
