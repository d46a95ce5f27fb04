using Dragonflow.Model;
using Dragonflow.NorthDb;

namespace Dragonflow.Cli.Tests;

/// <summary>
/// A sqlite NB for the inspection verbs: chassis compute-1 (heartbeat now), network net1 with
/// subnet 10.0.0.0/24, and ports p1 (10.0.0.1) and p2 (10.0.0.2) on it without port security.
/// </summary>
static class TwoPortNb
{
    public static async Task CreateAsync(string nbPath)
    {
        using var api = await NbFactory.OpenAsync(new NbOptions { NbDbPath = nbPath, EnableDfPubSub = false }, publish: false);
        await api.CreateAsync(new Chassis { Id = "compute-1", Ip = "192.0.2.1", TunnelTypes = ["geneve"], LastSeenUp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0, ReportInterval = 10 });
        await api.CreateAsync(new LogicalSwitch { Id = "net1", UniqueKey = 1 });
        await api.CreateAsync(new LogicalSubnet { Id = "sub1", Lswitch = "net1", Cidr = "10.0.0.0/24" });
        await api.CreateAsync(new LogicalPort { Id = "p1", Lswitch = "net1", Macs = ["fa:16:3e:00:00:01"], Ips = [new FixedIp("sub1", "10.0.0.1")], PortSecurityEnabled = false, Chassis = "compute-1", Status = "ACTIVE" });
        await api.CreateAsync(new LogicalPort { Id = "p2", Lswitch = "net1", Macs = ["fa:16:3e:00:00:02"], Ips = [new FixedIp("sub1", "10.0.0.2")], PortSecurityEnabled = false, Chassis = "compute-1", Status = "ACTIVE" });
    }
}
