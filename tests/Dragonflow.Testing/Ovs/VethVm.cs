namespace Dragonflow.Testing.Ovs;

/// <summary>
/// A "VM": a network namespace whose eth0 is one end of a veth pair; the other end stays in the
/// caller's namespace to be added to a bridge. TX checksum offload is off on eth0 (the userspace
/// datapath forwards frames with unfilled checksums otherwise). Removed by name on dispose.
/// </summary>
public sealed class VethVm : IAsyncDisposable
{
    private VethVm(string ns, string hostIf, string mac, string ip)
    {
        Namespace = ns;
        HostInterface = hostIf;
        Mac = mac;
        Ip = ip;
    }

    public string Namespace { get; }
    public string HostInterface { get; }
    public string Mac { get; }
    public string Ip { get; }

    /// <param name="ipWithPrefix">e.g. 10.0.0.1/24</param>
    public static async Task<VethVm> CreateAsync(string mac, string ipWithPrefix)
    {
        var ns = OvsSwitchProcess.UniqueName("dfvm-");
        var hostIf = OvsSwitchProcess.UniqueName("dfv");
        await OvsCommand.RunAsync("ip", "netns", "add", ns);
        var vm = new VethVm(ns, hostIf, mac, ipWithPrefix.Split('/')[0]);
        try
        {
            await OvsCommand.RunAsync("ip", "link", "add", hostIf, "type", "veth", "peer", "name", "eth0", "netns", ns);
            await OvsCommand.RunAsync("ip", "-n", ns, "link", "set", "lo", "up");
            await OvsCommand.RunAsync("ip", "-n", ns, "link", "set", "eth0", "address", mac);
            await OvsCommand.RunAsync("ip", "-n", ns, "addr", "add", ipWithPrefix, "dev", "eth0");
            await OvsCommand.RunAsync("ip", "-n", ns, "link", "set", "eth0", "up");
            await OvsCommand.RunAsync("ip", "netns", "exec", ns, "ethtool", "-K", "eth0", "tx", "off");
            await OvsCommand.RunAsync("ip", "link", "set", hostIf, "up");
            return vm;
        }
        catch
        {
            await vm.DisposeAsync();
            throw;
        }
    }

    public Task<string> ExecAsync(params string[] command) => OvsCommand.RunAsync("ip", ["netns", "exec", Namespace, .. command]);

    public async ValueTask DisposeAsync()
    {
        // Deleting the namespace deletes eth0 and with it the peer end.
        try { await OvsCommand.RunAsync("ip", "netns", "del", Namespace); } catch (InvalidOperationException) { }
        try { await OvsCommand.RunAsync("ip", "link", "del", HostInterface); } catch (InvalidOperationException) { }
    }
}
