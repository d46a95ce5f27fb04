namespace Dragonflow.Controller.Flows;

/// <summary>
/// The cookie layout of every flow the installer writes: the app in the top byte,
/// an app-defined tag in the next 24 bits (for sg: the security group's unique key, so a flow
/// names the group that allowed a packet), the aging generation in the low 32 bits. Aging only
/// reads the generation bits, so a tag never disturbs it.
/// </summary>
public static class FlowCookie
{
    public const ulong GenerationMask = 0xFFFF_FFFF;

    /// <summary>The largest tag (24 bits).</summary>
    public const uint MaxTag = 0xFF_FFFF;

    public static ulong Make(AppId app, uint generation, uint tag = 0) =>
        ((ulong)app.Value << 56) | ((ulong)(tag & MaxTag) << 32) | generation;

    public static uint Generation(ulong cookie) => (uint)(cookie & GenerationMask);

    public static byte App(ulong cookie) => (byte)(cookie >> 56);

    /// <summary>The app-defined tag (0 when the app sets none).</summary>
    public static uint Tag(ulong cookie) => (uint)(cookie >> 32) & MaxTag;
}
