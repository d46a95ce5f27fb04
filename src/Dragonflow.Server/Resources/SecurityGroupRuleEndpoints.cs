using System.Net;
using System.Text.Json.Nodes;
using Dragonflow.Model;
using Dragonflow.NorthDb;
using Dragonflow.Server.Api;
using Dragonflow.Server.Errors;
using Dragonflow.Server.Http;
using Dragonflow.Server.Ipam;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Dragonflow.Server.Resources;

/// <summary>
/// /v2.0/security-group-rules. Rules live inside their group's lsecgroup object, so adding or
/// removing one is a read-modify-write (compare-and-swap) of the group; the group's version moves
/// with its rules, which is what a controller watches.
/// </summary>
sealed class SecurityGroupRuleEndpoints(CorePlugin plugin)
{
    static readonly string[] Attributes =
    [
        "id", "project_id", "tenant_id", "description", "security_group_id", "direction", "ethertype", "protocol",
        "port_range_min", "port_range_max", "remote_ip_prefix", "remote_group_id", "remote_address_group_id",
    ];

    public const string Collection = "security-group-rules";

    public void Map(IEndpointRouteBuilder app, string defaultProject)
    {
        var path = $"/v2.0/{Collection}";
        app.MapGet(path, async (HttpContext ctx) =>
        {
            var query = new ListQuery(ctx.Request.Query);
            var caller = Caller.Of(ctx, defaultProject);
            var groups = (await plugin.Nb.ListAsync<SecurityGroup>()).Items.Where(g => caller.Owns(g.Topic));
            return Results.Json(new JsonObject { ["security_group_rules"] = query.Apply(groups.SelectMany(g => g.Rules.Select(r => Views.Rule(g, r)))) });
        });
        app.MapGet(path + "/{id}", async (HttpContext ctx, string id) =>
        {
            var (group, rule) = await FindAsync(Caller.Of(ctx, defaultProject), id);
            return Results.Json(new JsonObject { ["security_group_rule"] = ListQuery.Select(Views.Rule(group, rule), ListQuery.Fields(ctx.Request.Query)) });
        });
        app.MapPost(path, async (HttpContext ctx) =>
        {
            var body = new Input(await RequestBody.ReadResourceAsync(ctx.Request, "security_group_rule")).Only(Attributes);
            var caller = Caller.Of(ctx, defaultProject);
            var groupId = body.RequiredString("security_group_id");
            var rule = await ParseAsync(body, caller);
            Access.RequireOwner(caller, await Access.FindAsync<SecurityGroup>(plugin, caller, groupId, "Security group"), "create_security_group_rule");
            var group = await plugin.Nb.UpdateAsync<SecurityGroup>(groupId, g =>
            {
                if (g.Rules.FirstOrDefault(r => SameRule(r, rule)) is { } existing)
                    throw NeutronErrors.Conflict("SecurityGroupRuleExists", $"Security group rule already exists. Rule id is {existing.Id}.");
                g.Rules.Add(rule);
            });
            return Results.Json(new JsonObject { ["security_group_rule"] = Views.Rule(group, rule) }, statusCode: 201);
        });
        app.MapPut(path + "/{id}", async (HttpContext ctx, string id) =>
        {
            var body = new Input(await RequestBody.ReadResourceAsync(ctx.Request, "security_group_rule")).Only(["description"]);
            var description = body.String("description") ?? "";
            var (group, _) = await FindAsync(Caller.Of(ctx, defaultProject), id);
            var updated = await plugin.Nb.UpdateAsync<SecurityGroup>(group.Id, g =>
            {
                var r = g.Rules.FirstOrDefault(x => x.Id == id) ?? throw NeutronErrors.NotFound("Security group rule", id);
                r.Description = description;
                r.Version++;
                r.UpdatedAt = DateTimeOffset.UtcNow;
            });
            return Results.Json(new JsonObject { ["security_group_rule"] = Views.Rule(updated, updated.Rules.First(r => r.Id == id)) });
        });
        app.MapDelete(path + "/{id}", async (HttpContext ctx, string id) =>
        {
            var (group, _) = await FindAsync(Caller.Of(ctx, defaultProject), id);
            await plugin.Nb.UpdateAsync<SecurityGroup>(group.Id, g =>
            {
                if (g.Rules.RemoveAll(r => r.Id == id) == 0)
                    throw NeutronErrors.NotFound("Security group rule", id);
            });
            return Results.NoContent();
        });
    }

    async Task<(SecurityGroup, SecurityGroupRule)> FindAsync(Caller caller, string id)
    {
        foreach (var g in (await plugin.Nb.ListAsync<SecurityGroup>()).Items.Where(g => caller.Owns(g.Topic)))
            if (g.Rules.FirstOrDefault(r => r.Id == id) is { } rule)
                return (g, rule);
        throw NeutronErrors.NotFound("Security group rule", id);
    }

    static string OwnProject(Caller caller, string project)
    {
        Access.RequireOwnProject(caller, project);
        return project;
    }

    static bool SameRule(SecurityGroupRule a, SecurityGroupRule b) =>
        a.Direction == b.Direction && a.Ethertype == b.Ethertype && a.Protocol == b.Protocol
        && a.PortRangeMin == b.PortRangeMin && a.PortRangeMax == b.PortRangeMax
        && a.RemoteIpPrefix == b.RemoteIpPrefix && a.RemoteGroupId == b.RemoteGroupId;

    async Task<SecurityGroupRule> ParseAsync(Input body, Caller caller)
    {
        var direction = body.RequiredString("direction");
        if (direction is not ("ingress" or "egress"))
            throw NeutronErrors.InvalidInput($"{direction} is not in ['ingress', 'egress']");
        var ethertype = body.String("ethertype") ?? "IPv4";
        if (ethertype is not ("IPv4" or "IPv6"))
            throw NeutronErrors.InvalidInput($"{ethertype} is not in ['IPv4', 'IPv6']");
        string? protocol = null;
        var protocolNode = body.Body["protocol"];
        if (protocolNode is JsonValue pv && pv.TryGetValue<int>(out var pn))
            protocol = pn is >= 0 and <= 255 ? pn.ToString() : throw NeutronErrors.BadRequest($"Security group rule protocol {pn} not supported.");
        else if (body.String("protocol") is { } p)
        {
            if (int.TryParse(p, out var num))
                protocol = num is >= 0 and <= 255 ? p : throw NeutronErrors.BadRequest($"Security group rule protocol {p} not supported.");
            else if (p.Equals(IpProtocols.Any, StringComparison.OrdinalIgnoreCase))
                protocol = null;
            else if (IpProtocols.TryGetNumber(p, out _))
                protocol = p.ToLowerInvariant();
            else
                throw NeutronErrors.BadRequest($"Security group rule protocol {p} not supported. Only protocol values [{string.Join(", ", IpProtocols.Names.Append(IpProtocols.Any))}] and integer representations [0 to 255] are supported.");
        }
        var min = body.Int("port_range_min", 0, 65535);
        var max = body.Int("port_range_max", 0, 65535);
        if ((min is not null || max is not null) && protocol is null)
            throw NeutronErrors.BadRequest("Must also specify protocol if port range is given.");
        byte? number = IpProtocols.TryParse(protocol, out var parsed) ? parsed : null;
        if (number is { } withPorts && IpProtocols.HasPorts(withPorts))
        {
            if (min is not null && max is not null && min > max)
                throw NeutronErrors.BadRequest("For TCP/UDP protocols, port_range_min must be <= port_range_max");
            if (min == 0 || max == 0)
                throw NeutronErrors.BadRequest("Invalid value for port 0");
        }
        else if (number is { } icmp && IpProtocols.IsIcmp(icmp))
        {
            if (min is > 255 || max is > 255)
                throw NeutronErrors.BadRequest($"Invalid value for ICMP field (type or code): {Math.Max(min ?? 0, max ?? 0)}");
            if (min is null && max is not null)
                throw NeutronErrors.BadRequest("ICMP code (port-range-max) is provided but ICMP type (port-range-min) is missing.");
        }
        var prefix = body.String("remote_ip_prefix", 64);
        if (prefix is not null)
        {
            var text = prefix.Contains('/') ? prefix : prefix + (prefix.Contains(':') ? "/128" : "/32");
            if (!IPNetwork.TryParse(text, out var network))
                throw NeutronErrors.InvalidInput($"'{prefix}' is not a valid IP subnet");
            var family = network.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? "IPv4" : "IPv6";
            if (family != ethertype)
                throw NeutronErrors.BadRequest($"Conflicting value ethertype {ethertype} for CIDR {prefix}");
            prefix = network.ToString();
        }
        var remoteGroup = body.String("remote_group_id");
        if (remoteGroup is not null && prefix is not null)
            throw NeutronErrors.BadRequest("Only remote_ip_prefix or remote_group_id may be provided.");
        if (remoteGroup is not null)
            await Access.FindAsync<SecurityGroup>(plugin, caller, remoteGroup, "Security group");
        if (body.String("remote_address_group_id") is not null)
            throw NeutronErrors.BadRequest("Address groups are not supported");
        var now = DateTimeOffset.UtcNow;
        return new SecurityGroupRule
        {
            Id = Guid.NewGuid().ToString(),
            Topic = OwnProject(caller, body.String("project_id") ?? body.String("tenant_id") ?? caller.ProjectId),
            Description = body.String("description") ?? "",
            Direction = direction,
            Ethertype = ethertype,
            Protocol = protocol,
            PortRangeMin = min,
            PortRangeMax = max,
            RemoteIpPrefix = prefix,
            RemoteGroupId = remoteGroup,
            Version = 1,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }
}
