using System.Net;
using Dragonflow.Controller.Flows;
using Dragonflow.Model;
using Dragonflow.OpenFlow.Matching;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Apps.SecurityGroups;

/// <summary>
/// Security groups on conntrack (<c>sg</c>; flows in <see cref="SecurityGroupFlows"/>). Each
/// local port with port security gets its conntrack and membership flows; each group used by a
/// local port gets its conj_id flows and one flow per rule match (merged across groups by
/// <see cref="RuleFlowIndex"/>). A port with <c>port_security_enabled=false</c> gets one flow
/// each way past conntrack and the rules.
///
/// Stateless groups (<c>stateful=false</c>) skip conntrack: their ports are not tracked (and
/// lose the sender's conntrack state on the way in), their conjunctions do not commit, so
/// replies need rules of their own.
///
/// Remote groups: a rule naming group R matches the addresses of R's members, wherever they are
/// bound. The app remembers each port's groups and addresses; when they change, every group
/// with a rule naming one of the port's groups (before or after) is recomputed.
///
/// Owners: <see cref="FlowOwner.Pipeline"/>, the port, the security group (conj_id flows), and
/// a rule clause shared by the groups that have it (<see cref="ClauseOwner"/>). Cookie tag: the group's unique key on the conj_id and rule clause flows.
/// </summary>
public sealed class SecurityGroupApp(ChassisContext context) : ControllerApp(context)
{
    public static readonly AppId AppId = new(7, "sg");

    private readonly Dictionary<string, Membership> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string[]> _localGroups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _localUse = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _referrers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string[]> _remotesOf = new(StringComparer.Ordinal);
    private readonly RuleFlowIndex _rules = new();

    public override Pipeline.AppContract Contract { get; } = new(AppId, SecurityGroupFlows.Bands.All);

    /// <summary>The owner of a rule clause: the match in one table, shared by every group with that rule.</summary>
    public static FlowOwner ClauseOwner(byte table, Match match) => FlowOwner.Concern("security group rule clause", $"{table}:{match}");

    public override AppEvents Handles => AppEvents.Port | AppEvents.SecurityGroup;

    /// <summary>How many times a group's rule flows were recomputed (a port change should touch only the groups it concerns).</summary>
    public long RuleRecomputes { get; private set; }

    public override void Start() => Set(FlowOwner.Pipeline, SecurityGroupFlows.Pipeline());

    public override void OnPortChanged(string portId)
    {
        UpdateMembership(portId);
        UpdateLocalPort(portId);
    }

    public override void OnSecurityGroupChanged(string groupId)
    {
        var remotes = Context.Nb.SecurityGroups.TryGetValue(groupId, out var group)
            ? group.Rules.Select(r => r.RemoteGroupId).OfType<string>().Where(r => r.Length > 0).Distinct(StringComparer.Ordinal).ToArray()
            : [];
        if (_remotesOf.TryGetValue(groupId, out var old))
            foreach (var r in old) RemoveFrom(_referrers, r, groupId);
        foreach (var r in remotes)
        {
            if (!_referrers.TryGetValue(r, out var set)) _referrers[r] = set = new(StringComparer.Ordinal);
            set.Add(groupId);
        }
        if (remotes.Length == 0) _remotesOf.Remove(groupId);
        else _remotesOf[groupId] = remotes;

        RecomputeGroup(groupId);
        // Local members name the group in their clause flow by its key, which may just have arrived.
        foreach (var portId in Context.Nb.PortsOfSecurityGroup(groupId).Where(Context.IsLocal).ToList())
            UpdateLocalPort(portId);
    }

    // ---- membership (remote groups) -----------------------------------------------------------

    private sealed record Membership(string[] Groups, (IPAddress Address, int Prefix)[] Addresses)
    {
        public bool Same(Membership? other) =>
            other is not null && Groups.SequenceEqual(other.Groups) && Addresses.SequenceEqual(other.Addresses);
    }

    private void UpdateMembership(string portId)
    {
        Membership? now = Context.Nb.Ports.TryGetValue(portId, out var port) && port.SecurityGroups.Count > 0
            ? new Membership(port.SecurityGroups.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray(), Addresses(port).ToArray())
            : null;
        _members.TryGetValue(portId, out var before);
        if (now is null && before is null) return;
        if (now is not null && now.Same(before)) return;
        if (now is null) _members.Remove(portId);
        else _members[portId] = now;

        var touched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var g in (before?.Groups ?? []).Concat(now?.Groups ?? []))
        {
            if (_referrers.TryGetValue(g, out var referrers)) touched.UnionWith(referrers);
        }
        foreach (var g in touched) RecomputeRules(g);
    }

    /// <summary>A port's addresses as remote-group members see them: fixed IPs and allowed address pairs.</summary>
    private static IEnumerable<(IPAddress, int)> Addresses(LogicalPort port)
    {
        var seen = new HashSet<(IPAddress, int)>();
        foreach (var text in port.Ips.Select(i => i.IpAddress).Concat(port.AllowedAddressPairs.Select(p => p.IpAddress)))
        {
            if (RuleMatches.TryParsePrefix(text, out var a, out var len) && seen.Add((a, len))) yield return (a, len);
        }
    }

    private IEnumerable<(IPAddress Address, int Prefix)> MemberAddresses(string groupId) =>
        Context.Nb.PortsOfSecurityGroup(groupId).SelectMany(p => _members.TryGetValue(p, out var m) ? m.Addresses : []);

    // ---- local ports ---------------------------------------------------------------------------

    private void UpdateLocalPort(string portId)
    {
        var view = Context.IsLocal(portId) ? PortView.Resolve(Context, portId) : null;
        if (view is null || !view.Port.PortSecurityEnabled)
        {
            if (view is null) Clear(FlowOwner.Port(portId));
            else Set(FlowOwner.Port(portId), SecurityGroupFlows.Unprotected(view.Key));
            SetLocalGroups(portId, []);
            return;
        }
        var groups = view.Port.SecurityGroups.Distinct(StringComparer.Ordinal).ToArray();
        var keys = new List<uint>();
        var stateless = 0;
        foreach (var g in groups)
        {
            if (GroupKey(g) is not uint key) continue;
            keys.Add(key);
            if (!Context.Nb.SecurityGroups[g].Stateful) stateless++;
        }
        // Neutron refuses a port with both kinds; should one come, conntrack stays on.
        Set(FlowOwner.Port(portId), SecurityGroupFlows.Port(view.Key, keys, stateful: stateless == 0 || stateless < keys.Count));
        SetLocalGroups(portId, groups);
    }

    /// <summary>Counts the local ports of each group; a group's flows exist while it has one.</summary>
    private void SetLocalGroups(string portId, string[] groups)
    {
        var before = _localGroups.GetValueOrDefault(portId) ?? [];
        if (groups.Length == 0) _localGroups.Remove(portId);
        else _localGroups[portId] = groups;
        foreach (var g in before.Except(groups, StringComparer.Ordinal))
        {
            var n = _localUse.GetValueOrDefault(g) - 1;
            if (n <= 0)
            {
                _localUse.Remove(g);
                RecomputeGroup(g);
            }
            else _localUse[g] = n;
        }
        foreach (var g in groups.Except(before, StringComparer.Ordinal))
        {
            var n = _localUse.GetValueOrDefault(g) + 1;
            _localUse[g] = n;
            if (n == 1) RecomputeGroup(g);
        }
    }

    // ---- groups --------------------------------------------------------------------------------

    private uint? GroupKey(string groupId)
    {
        if (!Context.Nb.SecurityGroups.TryGetValue(groupId, out var group)) return null;
        if (group.UniqueKey is > 0 and <= uint.MaxValue) return (uint)group.UniqueKey;
        Context.Logger.LogWarning("security group {Group} has no valid unique_key ({Key}); its rules are not installed", groupId, group.UniqueKey);
        return null;
    }

    private bool IsActive(string groupId) => _localUse.ContainsKey(groupId);

    private void RecomputeGroup(string groupId)
    {
        var owner = FlowOwner.SecurityGroup(groupId);
        if (IsActive(groupId) && GroupKey(groupId) is uint key) Set(owner, SecurityGroupFlows.Group(key, Context.Nb.SecurityGroups[groupId].Stateful));
        else Clear(owner);
        RecomputeRules(groupId);
    }

    private void RecomputeRules(string groupId)
    {
        RuleRecomputes++;
        var clauses = new List<(byte, Match)>();
        uint key = 0;
        if (IsActive(groupId) && GroupKey(groupId) is uint k && Context.Nb.SecurityGroups.TryGetValue(groupId, out var group))
        {
            key = k;
            var members = new Dictionary<string, List<(IPAddress, int)>>(StringComparer.Ordinal);
            foreach (var rule in group.Rules)
            {
                try
                {
                    var table = SecurityGroupFlows.Of(RuleMatches.IsIngress(rule)).SecurityTable;
                    List<(IPAddress, int)>? remote = null;
                    if (rule.RemoteGroupId is { Length: > 0 } r && !members.TryGetValue(r, out remote))
                        members[r] = remote = MemberAddresses(r).ToList();
                    foreach (var m in RuleMatches.For(rule, remote)) clauses.Add((table, m));
                }
                catch (FormatException e)
                {
                    Context.Logger.LogWarning("rule {Rule} of security group {Group} skipped: {Error}", rule.Id, groupId, e.Message);
                }
            }
        }
        foreach (var clause in _rules.Update(groupId, key, clauses))
        {
            var owner = ClauseOwner(clause.Table, clause.Match);
            if (_rules.Flow(clause) is { } flow) Set(owner, [flow]);
            else Clear(owner);
        }
    }

    private static void RemoveFrom(Dictionary<string, HashSet<string>> index, string key, string id)
    {
        if (index.TryGetValue(key, out var set) && set.Remove(id) && set.Count == 0) index.Remove(key);
    }
}
