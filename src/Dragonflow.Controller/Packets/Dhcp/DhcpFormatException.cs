namespace Dragonflow.Controller.Packets.Dhcp;

/// <summary>A frame that is not a well-formed DHCP request: the only exception the codec throws.</summary>
public sealed class DhcpFormatException(string message) : Exception(message)
{
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    internal static void Throw(string message) => throw new DhcpFormatException(message);
}
