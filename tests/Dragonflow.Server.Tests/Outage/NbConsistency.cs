using System.Text.Json.Nodes;
using Dragonflow.NorthDb.Drivers;

namespace Dragonflow.Server.Tests;

/// <summary>
/// What "nothing half-written, nothing leaked" means for the API's objects in the NB DB: every
/// claim belongs to an object that exists and uses it, every object holds its claims, and the
/// links between objects (network ↔ subnet, service port ↔ router or floating IP) point at
/// objects that exist.
/// </summary>
static class NbConsistency
{
    sealed record Claim(string Id, string Owner, string? Scope);

    static async Task<List<Claim>> ClaimsAsync(INbDriver driver, string table) =>
        (await driver.ListAsync(table)).Select(e => new Claim(e.Id, (string)JsonNode.Parse(e.Value)!["owner"]!, e.Topic)).ToList();

    static async Task<Dictionary<string, JsonNode>> ObjectsAsync(INbDriver driver, string table) =>
        (await driver.ListAsync(table)).ToDictionary(e => e.Id, e => JsonNode.Parse(e.Value)!);

    static IEnumerable<string> Strings(JsonNode? array) => array?.AsArray().Select(n => (string)n!) ?? [];

    /// <summary>Waits for roll-backs still pending to run; throws with the last inconsistency seen.</summary>
    public static async Task WaitUntilConsistentAsync(INbDriver driver, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (await ProblemAsync(driver) is { } problem)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the NB DB is still inconsistent after {timeout}: {problem}");
            await Task.Delay(100);
        }
    }

    /// <summary>The first inconsistency found, or null.</summary>
    public static async Task<string?> ProblemAsync(INbDriver driver)
    {
        var networks = await ObjectsAsync(driver, "lswitch");
        var subnets = await ObjectsAsync(driver, "lsubnet");
        var ports = await ObjectsAsync(driver, "lport");
        var routers = await ObjectsAsync(driver, "lrouter");
        var fips = await ObjectsAsync(driver, "floatingip");
        var ipClaims = await ClaimsAsync(driver, "ipam_ip");
        var macClaims = await ClaimsAsync(driver, "ipam_mac");
        var segmentClaims = await ClaimsAsync(driver, "ipam_segment");
        var netports = (await driver.ListIdsAsync("ipam_netport")).ToHashSet();
        var deviceRows = await driver.ListIdsAsync("index_port_device");

        foreach (var c in ipClaims)
        {
            var ip = c.Id[(c.Id.LastIndexOf('_') + 1)..];
            var subnet = c.Id[..c.Id.LastIndexOf('_')];
            if (c.Owner == "dhcp")
            {
                if (!subnets.TryGetValue(subnet, out var s) || (string?)s["dhcp_ip"] != ip)
                    return $"ipam_ip/{c.Id}: a DHCP claim no subnet uses";
            }
            else if (!ports.TryGetValue(c.Owner, out var p) || !p["ips"]!.AsArray().Any(i => (string?)i!["subnet_id"] == subnet && (string?)i["ip_address"] == ip))
            {
                return $"ipam_ip/{c.Id} owned by {c.Owner}, which does not exist or does not use it";
            }
        }
        foreach (var c in macClaims)
            if (!ports.TryGetValue(c.Owner, out var p) || !Strings(p["macs"]).Any(m => c.Id == $"{p["lswitch"]}_{m}"))
                return $"ipam_mac/{c.Id} owned by {c.Owner}, which does not exist or does not use it";
        foreach (var c in segmentClaims)
            if (!networks.TryGetValue(c.Owner, out var n) || !c.Id.EndsWith($"_{n["segmentation_id"]}", StringComparison.Ordinal))
                return $"ipam_segment/{c.Id} owned by {c.Owner}, which does not exist or does not use it";
        foreach (var id in netports.Concat(deviceRows))
            if (!ports.ContainsKey(id))
                return $"a network-port claim or device index row of port {id}, which does not exist";

        foreach (var (id, n) in networks)
        {
            if (n["segmentation_id"] is { } seg && !segmentClaims.Any(c => c.Owner == id && c.Id.EndsWith($"_{seg}", StringComparison.Ordinal)))
                return $"network {id} lacks the claim of its segment {seg}";
            foreach (var s in Strings(n["subnets"]))
                if (!subnets.ContainsKey(s))
                    return $"network {id} lists subnet {s}, which does not exist";
        }
        foreach (var (id, s) in subnets)
            if (!networks.TryGetValue((string)s["lswitch"]!, out var n) || !Strings(n["subnets"]).Contains(id))
                return $"subnet {id} is not listed by its network {s["lswitch"]}";
        foreach (var (id, p) in ports)
        {
            if (!netports.Contains(id))
                return $"port {id} lacks its network-port claim";
            foreach (var i in p["ips"]!.AsArray())
                if (!ipClaims.Any(c => c.Owner == id && c.Id == $"{i!["subnet_id"]}_{i["ip_address"]}"))
                    return $"port {id} lacks the claim of {i!["ip_address"]}";
            foreach (var m in Strings(p["macs"]))
                if (!macClaims.Any(c => c.Owner == id && c.Id == $"{p["lswitch"]}_{m}"))
                    return $"port {id} lacks the claim of its MAC {m}";
            var device = (string?)p["device_id"] ?? "";
            var owner = (string?)p["device_owner"] ?? "";
            if (owner is "network:router_gateway" or "network:router_interface" && !routers.ContainsKey(device)
                || owner == "network:floatingip" && !fips.ContainsKey(device))
                return $"port {id} ({owner}) serves {device}, which does not exist";
        }
        foreach (var (id, r) in routers)
            if ((string?)r["external_gateway_info"]?["port_id"] is { } gw && !ports.ContainsKey(gw))
                return $"router {id}'s gateway port {gw} does not exist";
        foreach (var (id, f) in fips)
            if ((string?)f["floating_lport"] is { } lp && !ports.ContainsKey(lp))
                return $"floating IP {id}'s port {lp} does not exist";
        return null;
    }
}
