namespace Dragonflow.Controller.Flows;

/// <summary>
/// The cookie layout of every flow the installer writes (DESIGN §6): the app in the top byte,
/// the aging generation in the low 32 bits, the bits between reserved (zero).
/// </summary>
public static class FlowCookie
{
    public const ulong GenerationMask = 0xFFFF_FFFF;

    public static ulong Make(AppId app, uint generation) => ((ulong)app.Value << 56) | generation;

    public static uint Generation(ulong cookie) => (uint)(cookie & GenerationMask);

    public static byte App(ulong cookie) => (byte)(cookie >> 56);
}
