using Dragonflow.Controller.Flows;
using Dragonflow.OpenFlow.Matching;

namespace Dragonflow.Controller.Apps.SecurityGroups;

/// <summary>
/// Which groups want each rule clause. Two groups with an identical rule (the same match in the
/// same table) share one switch flow whose actions name both conjunctions, so the index merges
/// them; updating a group returns only the clauses whose flow changed.
/// </summary>
public sealed class RuleFlowIndex
{
    private readonly Dictionary<string, (uint Key, HashSet<(byte Table, Match Match)> Clauses)> _byGroup = new(StringComparer.Ordinal);
    private readonly Dictionary<(byte Table, Match Match), SortedSet<uint>> _groupsOf = new();

    /// <summary>Number of distinct rule clauses (switch flows).</summary>
    public int Count => _groupsOf.Count;

    /// <summary>Sets the clauses of <paramref name="groupId"/> (conjunction id <paramref name="key"/>); returns the clauses whose flow changed.</summary>
    public IReadOnlyCollection<(byte Table, Match Match)> Update(string groupId, uint key, IEnumerable<(byte Table, Match Match)> clauses)
    {
        var next = clauses.ToHashSet();
        var changed = new HashSet<(byte, Match)>();
        if (_byGroup.TryGetValue(groupId, out var old))
        {
            foreach (var c in old.Clauses)
            {
                if (old.Key == key && next.Contains(c)) continue;
                var set = _groupsOf[c];
                set.Remove(old.Key);
                if (set.Count == 0) _groupsOf.Remove(c);
                changed.Add(c);
            }
        }
        foreach (var c in next)
        {
            if (old.Clauses is not null && old.Key == key && old.Clauses.Contains(c)) continue;
            if (!_groupsOf.TryGetValue(c, out var set)) _groupsOf[c] = set = [];
            set.Add(key);
            changed.Add(c);
        }
        if (next.Count == 0) _byGroup.Remove(groupId);
        else _byGroup[groupId] = (key, next);
        return changed;
    }

    /// <summary>The switch flow of a clause, or null when no group wants it any more.</summary>
    public DesiredFlow? Flow((byte Table, Match Match) clause) =>
        _groupsOf.TryGetValue(clause, out var keys) ? SecurityGroupFlows.RuleClause(clause.Table, clause.Match, keys) : null;
}
