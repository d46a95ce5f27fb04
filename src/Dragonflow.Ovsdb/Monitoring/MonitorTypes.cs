using Dragonflow.Ovsdb.Data;

namespace Dragonflow.Ovsdb.Monitoring;

/// <summary>What to watch in one table (RFC 7047 §4.1.5 &lt;monitor-request&gt;; the where
/// clause needs monitor_cond, ovsdb-server(7) §4.1.12). Null columns means all columns.</summary>
public sealed record MonitorRequest(string Table, IReadOnlyList<string>? Columns = null, IReadOnlyList<Condition>? Where = null);

public enum MonitorUpdateKind
{
    /// <summary>The state when the monitor was first established: every row as an insert.</summary>
    Initial,

    /// <summary>A change the server notified.</summary>
    Update,

    /// <summary>After a reconnect: the difference between what was known before the
    /// connection dropped and the server's current state (possibly no changes at all).</summary>
    Resync,
}

public enum RowChangeKind
{
    Insert,
    Modify,
    Delete,
}

/// <summary>One row's change. Old is null for inserts, New is null for deletes. Rows hold
/// every monitored column (defaults filled in), not only the changed ones.</summary>
public sealed record RowChange(string Table, Guid Uuid, RowChangeKind Kind, OvsdbRow? Old, OvsdbRow? New);

public sealed record MonitorUpdate(MonitorUpdateKind Kind, IReadOnlyList<RowChange> Changes);
