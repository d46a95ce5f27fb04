namespace Dragonflow.OpenFlow.Protocol;

/// <summary>Malformed OpenFlow input: a length, type or field that the spec does not allow.</summary>
public sealed class OpenFlowProtocolException(string message) : Exception(message)
{
}

/// <summary>Throw helper so that the hot decoding paths stay small and inlineable.</summary>
internal static class ProtocolThrow
{
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void Malformed(string what) => throw new OpenFlowProtocolException(what);

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static T Malformed<T>(string what) => throw new OpenFlowProtocolException(what);

    /// <summary>Throws unless <paramref name="span"/> holds at least <paramref name="needed"/> bytes.</summary>
    public static void Need(ReadOnlySpan<byte> span, int needed, string what)
    {
        if (span.Length < needed)
            Malformed($"{what}: truncated ({span.Length} < {needed} bytes)");
    }
}
