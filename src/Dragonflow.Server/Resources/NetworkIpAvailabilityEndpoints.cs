using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Dragonflow.Model;
using Dragonflow.Server.Api;
using Dragonflow.Server.Errors;
using Dragonflow.Server.Ipam;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Dragonflow.Server.Resources;

/// <summary>
/// /v2.0/network-ip-availabilities (extension network-ip-availability): per network and per
/// subnet, how many addresses the allocation pools hold (total_ips) and how many addresses are
/// held on the subnet (used_ips: ports, router interfaces, the DHCP address). Admin only, as
/// Neutron's get_network_ip_availability: others list nothing and find nothing.
/// </summary>
static class NetworkIpAvailabilityEndpoints
{
    const string Collection = "network-ip-availabilities";

    /// <summary>The filters Neutron takes on this collection (it has no id to sort or page on).</summary>
    static readonly string[] Filters = ["network_id", "network_name", "project_id", "tenant_id", "ip_version"];

    public static void Map(IEndpointRouteBuilder app, CorePlugin plugin, string defaultProject)
    {
        app.MapGet($"/v2.0/{Collection}", async (HttpContext ctx) =>
        {
            var query = ctx.Request.Query;
            foreach (var (name, _) in query)
                if (!Filters.Contains(name) && name != "fields")
                    throw NeutronErrors.BadRequest($"[{name}] is invalid attribute for filtering");
            var fields = ListQuery.Fields(query);
            var items = new JsonArray();
            if (Caller.Of(ctx, defaultProject).IsAdmin)
                foreach (var net in (await plugin.Nb.ListAsync<LogicalSwitch>()).Items)
                {
                    var item = await AvailabilityAsync(plugin, net);
                    if (Filters.All(f => !query.TryGetValue(f, out var wanted) || wanted.Any(w => Matches(item, f, w))))
                        items.Add(ListQuery.Select(item, fields));
                }
            return Results.Json(new JsonObject { ["network_ip_availabilities"] = items });
        });
        app.MapGet($"/v2.0/{Collection}/{{id}}", async (HttpContext ctx, string id) =>
        {
            var net = Caller.Of(ctx, defaultProject).IsAdmin ? await plugin.Nb.TryGetAsync<LogicalSwitch>(id) : null;
            if (net is null)
                throw NeutronErrors.NotFound("Network", id);
            return Results.Json(new JsonObject { ["network_ip_availability"] = await AvailabilityAsync(plugin, net) });
        });
    }

    /// <summary>ip_version matches a network with a subnet of that version, as in Neutron; the others their value.</summary>
    static bool Matches(JsonObject item, string filter, string? wanted) => filter == "ip_version"
        ? ((JsonArray)item["subnet_ip_availability"]!).Any(s => ((int)s!["ip_version"]!).ToString(CultureInfo.InvariantCulture) == wanted)
        : (string?)item[filter] == wanted;

    static async Task<JsonObject> AvailabilityAsync(CorePlugin plugin, LogicalSwitch net)
    {
        var subnets = new JsonArray();
        UInt128 total = 0, used = 0;
        foreach (var id in net.Subnets)
        {
            if (await plugin.Nb.TryGetAsync<LogicalSubnet>(id) is not { } subnet)
                continue;
            var size = subnet.AllocationPools.Aggregate(UInt128.Zero, (sum, p) => sum + IpRange.Of(IPAddress.Parse(p.Start), IPAddress.Parse(p.End)).Count);
            var held = (UInt128)(await plugin.Reservations.OwnersAsync(Reservations.IpTable, subnet.Id)).Count;
            (total, used) = (total + size, used + held);
            subnets.Add(new JsonObject
            {
                ["subnet_id"] = subnet.Id, ["subnet_name"] = subnet.Name, ["cidr"] = subnet.Cidr, ["ip_version"] = subnet.IpVersion,
                ["total_ips"] = Number(size), ["used_ips"] = Number(held),
            });
        }
        return new JsonObject
        {
            ["network_id"] = net.Id, ["network_name"] = net.Name, ["project_id"] = net.Topic, ["tenant_id"] = net.Topic,
            ["total_ips"] = Number(total), ["used_ips"] = Number(used), ["subnet_ip_availability"] = subnets,
        };
    }

    /// <summary>An IPv6 pool's size does not fit a long: written as the integer it is.</summary>
    static JsonNode Number(UInt128 n) => JsonNode.Parse(n.ToString(CultureInfo.InvariantCulture))!;
}
