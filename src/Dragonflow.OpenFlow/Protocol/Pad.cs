namespace Dragonflow.OpenFlow.Protocol;

internal static class Pad
{
    /// <summary>Rounds up to the 8-byte alignment OpenFlow uses for matches, actions and properties.</summary>
    public static int To8(int n) => (n + 7) & ~7;
}
