namespace Dragonflow.Controller.Pipeline;

/// <summary>One br-int table: its number, the name operators know it by, what it decides, and the tables a flow in it may lead to.</summary>
public sealed record TableSpec(byte Id, string Name, string Purpose, IReadOnlyList<byte> Next);
