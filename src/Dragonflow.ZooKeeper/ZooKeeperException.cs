namespace Dragonflow.ZooKeeper;

/// <summary>A request the ensemble refused or could not answer; <see cref="Code"/> says why.</summary>
public class ZooKeeperException(ZooKeeperErrorCode code, string? path, string? detail = null, Exception? inner = null)
    : Exception($"{code}{(path is null ? "" : $" for {path}")}{(detail is null ? "" : $": {detail}")}", inner)
{
    public ZooKeeperErrorCode Code { get; } = code;

    public string? Path { get; } = path;

    /// <summary>The exception type for an error code, so callers can catch the cases they handle.</summary>
    public static ZooKeeperException For(ZooKeeperErrorCode code, string? path, string? detail = null) => code switch
    {
        ZooKeeperErrorCode.NoNode => new ZooKeeperNoNodeException(path),
        ZooKeeperErrorCode.NodeExists => new ZooKeeperNodeExistsException(path),
        ZooKeeperErrorCode.BadVersion => new ZooKeeperBadVersionException(path),
        ZooKeeperErrorCode.NotEmpty => new ZooKeeperNotEmptyException(path),
        ZooKeeperErrorCode.SessionExpired => new ZooKeeperSessionExpiredException(detail ?? "session expired"),
        ZooKeeperErrorCode.ConnectionLoss => new ZooKeeperConnectionLossException(detail ?? "connection lost"),
        _ => new ZooKeeperException(code, path, detail),
    };
}

/// <summary>NONODE (-101): the node (or, for create, its parent) does not exist.</summary>
public sealed class ZooKeeperNoNodeException(string? path) : ZooKeeperException(ZooKeeperErrorCode.NoNode, path);

/// <summary>NODEEXISTS (-110): create of a node that exists.</summary>
public sealed class ZooKeeperNodeExistsException(string? path) : ZooKeeperException(ZooKeeperErrorCode.NodeExists, path);

/// <summary>BADVERSION (-103): the node's version is not the one the request named.</summary>
public sealed class ZooKeeperBadVersionException(string? path) : ZooKeeperException(ZooKeeperErrorCode.BadVersion, path);

/// <summary>NOTEMPTY (-111): delete of a node that has children.</summary>
public sealed class ZooKeeperNotEmptyException(string? path) : ZooKeeperException(ZooKeeperErrorCode.NotEmpty, path);

/// <summary>
/// SESSIONEXPIRED (-112): the ensemble dropped the session; its watches are gone. The client
/// opens a new session on its own, so later requests may succeed again.
/// </summary>
public sealed class ZooKeeperSessionExpiredException(string detail) : ZooKeeperException(ZooKeeperErrorCode.SessionExpired, null, detail);

/// <summary>
/// CONNECTIONLOSS (-4): no server answered in time, or the connection broke while the request
/// was outstanding; a write may or may not have been applied.
/// </summary>
public sealed class ZooKeeperConnectionLossException(string detail, Exception? inner = null)
    : ZooKeeperException(ZooKeeperErrorCode.ConnectionLoss, null, detail, inner)
{
    /// <summary>The request never left the client (the connection was already closed), so retrying it is safe.</summary>
    internal bool NotSent { get; init; }
}

/// <summary>A multi whose operations were all rolled back because one failed.</summary>
public sealed class ZooKeeperTransactionException(ZooKeeperErrorCode code, int failedIndex, IReadOnlyList<ZooKeeperOpResult> results, string? path)
    : ZooKeeperException(code, path, $"operation {failedIndex} of the multi failed; none applied")
{
    /// <summary>Index of the first operation that failed.</summary>
    public int FailedIndex { get; } = failedIndex;

    /// <summary>One result per operation, each with its error code.</summary>
    public IReadOnlyList<ZooKeeperOpResult> Results { get; } = results;
}

/// <summary>Bytes from the server that do not follow the jute protocol; the connection is dropped.</summary>
public sealed class ZooKeeperProtocolException(string message) : Exception(message);
