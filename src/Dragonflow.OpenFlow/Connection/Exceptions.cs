using Dragonflow.OpenFlow.Messages;

namespace Dragonflow.OpenFlow.Connection;

/// <summary>The switch answered a request with OFPT_ERROR.</summary>
public sealed class OpenFlowErrorException(ErrorMessage error, uint xid, string? context = null)
    : Exception($"{(context is null ? "" : context + ": ")}switch error {error} (xid {xid})")
{
    public ErrorMessage Error { get; } = error;
    public uint Xid { get; } = xid;
}

/// <summary>The connection closed (or was never established) while a request was outstanding.</summary>
public sealed class OpenFlowConnectionClosedException(string message, Exception? inner = null) : Exception(message, inner)
{
}
