using Dragonflow.Model;

namespace Dragonflow.NorthDb;

/// <summary>Base of every NB database error; names the table and object where there is one.</summary>
public class NbException : Exception
{
    public NbException(string message, string? table = null, string? id = null, Exception? inner = null)
        : base(message, inner)
    {
        Table = table;
        Id = id;
    }

    public string? Table { get; }

    public string? Id { get; }

    /// <summary>The NB key, e.g. /openstack/lport/&lt;id&gt;, when both table and id are known.</summary>
    public string? Key => Table is not null && Id is not null ? NbKey.For(Table, Id) : null;
}

/// <summary>Create of a key that already exists.</summary>
public sealed class NbKeyExistsException(string table, string id)
    : NbException($"{NbKey.For(table, id)} already exists", table, id);

/// <summary>Read, update or delete of a key that does not exist.</summary>
public sealed class NbKeyNotFoundException(string table, string id)
    : NbException($"{NbKey.For(table, id)} not found", table, id);

/// <summary>
/// A compare-and-swap lost: the stored object is not the version the writer based its change on.
/// Expected/Actual are object versions at the NbApi level and driver revisions at the driver level.
/// </summary>
public sealed class NbVersionConflictException(string table, string id, long expected, long? actual)
    : NbException(
        $"{NbKey.For(table, id)}: version conflict: expected {expected}, found {(actual is { } a ? a.ToString() : "none")}",
        table, id)
{
    public long Expected { get; } = expected;

    public long? Actual { get; } = actual;
}

/// <summary>A table name that is not in <see cref="NbTables"/>.</summary>
public sealed class NbUnknownTableException(string table)
    : NbException($"unknown table '{table}' (known: {string.Join(", ", NbTables.All.Select(t => t.Name))})", table);

/// <summary>A stored value that is not valid JSON for its table.</summary>
public sealed class NbCorruptValueException(string table, string id, string detail, Exception? inner = null)
    : NbException($"{NbKey.For(table, id)} holds a corrupt value: {detail}", table, id, inner);

/// <summary>A value offered for writing that is not a valid object of its table.</summary>
public sealed class NbInvalidValueException(string table, string? id, string detail, Exception? inner = null)
    : NbException($"invalid {table} value{(id is null ? "" : $" for '{id}'")}: {detail}", table, id, inner);

/// <summary>The backend cannot be reached or refused to work (locked, I/O error, connection lost).</summary>
public sealed class NbBackendUnavailableException(string backend, string detail, Exception? inner = null)
    : NbException($"NB backend {backend} unavailable: {detail}", inner: inner)
{
    public string Backend { get; } = backend;
}

/// <summary>Options that name no known driver or are otherwise unusable.</summary>
public sealed class NbConfigurationException(string message) : NbException(message);
