using System.Diagnostics;
using Dragonflow.Controller.Apps.Metadata;

namespace Dragonflow.Controller.MetadataService;

/// <summary>
/// Gives the proxy's internal port (made by OVS) its MAC, 169.254.169.254/16 and no ARP, and
/// brings it up — with iproute2, in the namespace of the chassis' Open vSwitch when one is named.
/// </summary>
public static class ProxyInterface
{
    /// <summary>How long the interface may take to appear after OVS was asked for it.</summary>
    public static readonly TimeSpan AppearTimeout = TimeSpan.FromSeconds(10);

    public static async Task ConfigureAsync(string netns, CancellationToken ct)
    {
        var name = MetadataAddress.InterfaceName;
        var deadline = DateTime.UtcNow + AppearTimeout;
        while ((await IpAsync(netns, ct, "link", "show", "dev", name)).ExitCode != 0)
        {
            if (DateTime.UtcNow > deadline) throw new InvalidOperationException($"interface {name} did not appear within {AppearTimeout.TotalSeconds} s");
            await Task.Delay(100, ct);
        }
        foreach (var args in new[]
        {
            new[] { "link", "set", "dev", name, "address", MetadataAddress.Mac.ToString() },
            ["link", "set", "dev", name, "arp", "off"],
            ["addr", "replace", $"{MetadataAddress.Ipv4}/{MetadataAddress.PrefixLength}", "dev", name],
            ["link", "set", "dev", name, "up"],
        })
        {
            var (code, error) = await IpAsync(netns, ct, args);
            if (code != 0) throw new InvalidOperationException($"ip {string.Join(' ', args)}: {error.Trim()}");
        }
    }

    private static async Task<(int ExitCode, string Error)> IpAsync(string netns, CancellationToken ct, params string[] args)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true };
        if (netns.Length > 0)
        {
            start.ArgumentList.Add("-n");
            start.ArgumentList.Add(netns);
        }
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot run ip");
        var error = process.StandardError.ReadToEndAsync(ct);
        _ = await process.StandardOutput.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, await error);
    }
}
