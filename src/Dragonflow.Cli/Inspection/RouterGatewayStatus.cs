using Dragonflow.Model;

namespace Dragonflow.Cli.Inspection;

/// <summary>
/// A router with an external gateway as `dragonflow status` shows it: its gateway chassis in
/// order (<see cref="GatewaySchedule"/>, the list every controller computes) and the active
/// one as NB sees it — the first whose controller is up and reports its switch connected. The
/// switches choose by BFD, which notices a dead chassis within a second, before any heartbeat
/// does; a router with no gateway chassis shows why, and its outbound traffic is dropped.
/// </summary>
public sealed record RouterGatewayStatus(string Id, string? Name, bool Snat, IReadOnlyList<string> GatewayChassis, string? Active, string? Reason)
{
    public static IReadOnlyList<RouterGatewayStatus> Of(NbSnapshot nb, IReadOnlyList<ChassisStatus> chassis)
    {
        var alive = chassis.Where(c => c.State == "up" && c.Controller is { OpenflowConnected: true }).Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var list = new List<RouterGatewayStatus>();
        foreach (var router in nb.Routers.Values.Where(GatewaySchedule.NeedsGateway).OrderBy(r => r.Id, StringComparer.Ordinal))
        {
            var info = router.ExternalGatewayInfo!;
            nb.Networks.TryGetValue(info.NetworkId, out var external);
            var schedule = GatewaySchedule.For(router, external, nb.Chassis.Values);
            string? reason = null;
            if (schedule.Count == 0)
            {
                reason = "no gateway chassis: no chassis has enable_chassis_as_gateway" +
                    (external?.PhysicalNetwork is { Length: > 0 } physnet ? $" and a bridge_mappings entry for {physnet} on its external bridge" : "");
            }
            var active = schedule.FirstOrDefault(alive.Contains);
            if (schedule.Count > 0 && active is null) reason = "every gateway chassis is down";
            list.Add(new RouterGatewayStatus(router.Id, router.Name, info.EnableSnat, schedule, active, reason));
        }
        return list;
    }
}
