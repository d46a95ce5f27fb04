namespace Dragonflow.Testing.Ovs;

/// <summary>
/// A private Open vSwitch (ovsdb-server + ovs-vswitchd) in its own temporary run directory, never
/// the system instance. Stopped by the pids it recorded, and its directory removed, on dispose.
/// Runs in the host network namespace unless <c>netns</c> is given; bridges use the userspace
/// datapath, whose tap devices are named after the bridge, so pick unique bridge names
/// (<see cref="UniqueName"/>) when sharing a namespace.
/// </summary>
public sealed class OvsSwitchProcess : IAsyncDisposable
{
    private const string Schema = "/usr/share/openvswitch/vswitch.ovsschema";
    private readonly List<int> _pids = [];

    private OvsSwitchProcess(string runDir, string? netns)
    {
        RunDir = runDir;
        NetNs = netns;
    }

    public string RunDir { get; }
    public string? NetNs { get; }
    public string DbSocket => Path.Combine(RunDir, "db.sock");
    public string VswitchdControl => Path.Combine(RunDir, "vswitchd.ctl");

    private Dictionary<string, string> Env => new() { ["OVS_RUNDIR"] = RunDir, ["OVS_LOGDIR"] = RunDir, ["OVS_DBDIR"] = RunDir };

    /// <summary>A short random name usable as bridge or interface name (at most 15 characters).</summary>
    public static string UniqueName(string prefix) => prefix + Guid.NewGuid().ToString("N")[..Math.Min(8, 15 - prefix.Length)];

    public static async Task<OvsSwitchProcess> StartAsync(string? netns = null)
    {
        var dir = Directory.CreateTempSubdirectory("df-ovs-").FullName;
        var ovs = new OvsSwitchProcess(dir, netns);
        try
        {
            await OvsCommand.RunAsync("ovsdb-tool", "create", Path.Combine(dir, "conf.db"), Schema);
            await ovs.DaemonAsync("ovsdb-server", "ovsdb", Path.Combine(dir, "conf.db"), $"--remote=punix:{ovs.DbSocket}");
            await ovs.VsctlAsync("--no-wait", "init");
            await ovs.DaemonAsync("ovs-vswitchd", "vswitchd", $"unix:{ovs.DbSocket}");
            return ovs;
        }
        catch
        {
            await ovs.DisposeAsync();
            throw;
        }
    }

    private async Task DaemonAsync(string program, string name, params string[] args)
    {
        var pidFile = Path.Combine(RunDir, name + ".pid");
        string[] daemonArgs = [.. args, $"--pidfile={pidFile}", $"--unixctl={Path.Combine(RunDir, name + ".ctl")}",
            $"--log-file={Path.Combine(RunDir, name + ".log")}", "-vconsole:emer", "--detach"];
        if (NetNs is null)
            await OvsCommand.RunAsync(program, daemonArgs, Env);
        else
            await OvsCommand.RunAsync("ip", ["netns", "exec", NetNs, "env", .. Env.Select(kv => $"{kv.Key}={kv.Value}"), program, .. daemonArgs]);
        _pids.Add(int.Parse((await File.ReadAllTextAsync(pidFile)).Trim(), System.Globalization.CultureInfo.InvariantCulture));
    }

    public Task<string> VsctlAsync(params string[] args) =>
        OvsCommand.RunAsync("ovs-vsctl", [$"--db=unix:{DbSocket}", "--timeout=20", .. args], Env);

    public Task<string> OfctlAsync(params string[] args) =>
        OvsCommand.RunAsync("ovs-ofctl", ["-O", "OpenFlow13", .. args], Env);

    public Task<string> AppctlAsync(params string[] args) =>
        OvsCommand.RunAsync("ovs-appctl", ["-t", VswitchdControl, .. args], Env);

    /// <summary>
    /// Adds an OpenFlow 1.3-only userspace bridge in secure fail mode without in-band control,
    /// as the controller expects br-int to be.
    /// </summary>
    public Task AddBridgeAsync(string name, ulong datapathId) =>
        VsctlAsync("--", "add-br", name, "--", "set", "bridge", name, "datapath_type=netdev", "fail_mode=secure",
            "protocols=OpenFlow13", $"other_config:datapath-id={datapathId:x16}", "other_config:disable-in-band=true");

    /// <summary>Points the bridge at controller targets (out-of-band). Note: this flushes the bridge's flows.</summary>
    public Task SetControllerAsync(string bridge, params string[] targets) =>
        VsctlAsync(["set-controller", bridge, .. targets]);

    public async ValueTask DisposeAsync()
    {
        foreach (var pid in Enumerable.Reverse(_pids))
        {
            try
            {
                using var p = System.Diagnostics.Process.GetProcessById(pid);
                p.Kill();
                await p.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);
            }
            catch (ArgumentException)
            {
                // already gone
            }
            catch (OperationCanceledException)
            {
            }
        }
        try { Directory.Delete(RunDir, recursive: true); } catch (IOException) { }
    }
}
