using Dragonflow.Model;

namespace Dragonflow.Controller.Flows;

/// <summary>
/// What a flow is for: an NB object (its table and id) or, with no table, a named concern of
/// the chassis itself (the pipeline's fixed flows, the external patch). <see cref="Part"/>
/// tells apart several flow sets of one owner that come and go on their own (e.g. the reactive
/// hops to one port from each network). Removing an owner removes exactly its flows.
///
/// Owners are ordered (<see cref="CompareTo"/>) so that when two of them want one switch flow
/// the one kept is the same whatever order events came in.
/// </summary>
public readonly record struct FlowOwner(NbTable? Table, string Id, string Part = "") : IComparable<FlowOwner>
{
    public static FlowOwner Of(NbTable table, string id, string part = "") => new(table, id, part);

    /// <summary>A concern of the chassis itself rather than of an NB object.</summary>
    public static FlowOwner Concern(string name, string part = "") => new(null, name, part);

    public static FlowOwner Port(string id) => new(NbTables.Lport, id);
    public static FlowOwner Network(string id) => new(NbTables.Lswitch, id);
    public static FlowOwner Router(string id) => new(NbTables.Lrouter, id);
    public static FlowOwner FloatingIp(string id) => new(NbTables.FloatingIp, id);
    public static FlowOwner SecurityGroup(string id) => new(NbTables.Lsecgroup, id);

    /// <summary>The chassis-wide flows an app installs at start.</summary>
    public static readonly FlowOwner Pipeline = Concern("pipeline");

    public bool IsNbObject => Table is not null;

    /// <summary>This owner with a part (a flow set of its own under the same object or concern).</summary>
    public FlowOwner WithPart(string part) => this with { Part = part };

    public int CompareTo(FlowOwner other)
    {
        var c = string.CompareOrdinal(Table?.Name, other.Table?.Name);
        if (c == 0) c = string.CompareOrdinal(Id, other.Id);
        return c != 0 ? c : string.CompareOrdinal(Part, other.Part);
    }

    public override string ToString()
    {
        var what = Table is null ? Id : $"{Table.Name} {Id}";
        return Part.Length == 0 ? what : $"{what} [{Part}]";
    }
}
