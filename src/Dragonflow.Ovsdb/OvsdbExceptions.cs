using System.Text.Json.Nodes;

namespace Dragonflow.Ovsdb;

/// <summary>Base of every error this library raises.</summary>
public class OvsdbException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The peer sent bytes that are not valid OVSDB JSON-RPC; the connection is reset.</summary>
public sealed class OvsdbProtocolException(string message, Exception? inner = null) : OvsdbException(message, inner);

/// <summary>No connection, or the connection was lost while a request was outstanding.</summary>
public sealed class OvsdbConnectionException(string message, Exception? inner = null) : OvsdbException(message, inner);

/// <summary>The server answered a request with a JSON-RPC error (RFC 7047 §4.1: "error" non-null).</summary>
public sealed class OvsdbRpcException(string method, JsonNode? error)
    : OvsdbException($"OVSDB {method} failed: {error?.ToJsonString() ?? "null"}")
{
    public string Method { get; } = method;
    public JsonNode? Error { get; } = error?.DeepClone();
}

/// <summary>
/// A transact whose operation failed (RFC 7047 §4.1.3): the result array holds an error object
/// at the failing operation's index, or one past the last operation when the commit failed
/// (e.g. a constraint violation). Nothing of the transaction was applied.
/// </summary>
public sealed class OvsdbTransactionException : OvsdbException
{
    public OvsdbTransactionException(int operationIndex, string? operation, string error, string? details)
        : base($"OVSDB transaction failed at operation {operationIndex}" +
               (operation is null ? " (commit)" : $" ({operation})") + $": {error}" +
               (string.IsNullOrEmpty(details) ? "" : $": {details}"))
    {
        OperationIndex = operationIndex;
        Operation = operation;
        Error = error;
        Details = details;
    }

    /// <summary>Index of the failing operation; equals the operation count when the commit failed.</summary>
    public int OperationIndex { get; }

    /// <summary>The failing operation's "op" name, or null for a commit failure.</summary>
    public string? Operation { get; }

    /// <summary>The RFC 7047 error string, e.g. "constraint violation", "referential integrity violation".</summary>
    public string Error { get; }
    public string? Details { get; }
}
