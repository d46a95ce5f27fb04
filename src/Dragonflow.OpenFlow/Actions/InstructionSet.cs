namespace Dragonflow.OpenFlow.Actions;

/// <summary>
/// An immutable list of instructions encoded once at construction, so that putting it into a
/// FLOW_MOD is a plain copy (the hot path allocates nothing). Only the encoding is kept: a
/// controller holds tens of thousands of these, and the object form is a dozen objects each;
/// <see cref="Instructions"/> decodes it again when asked.
/// </summary>
public sealed class InstructionSet : IEquatable<InstructionSet>
{
    public static readonly InstructionSet Drop = new([]);

    private readonly byte[] _bytes;

    public InstructionSet(IReadOnlyList<Instruction> instructions)
    {
        _bytes = new byte[instructions.Sum(i => i.Size)];
        var o = 0;
        foreach (var i in instructions)
        {
            i.Write(_bytes.AsSpan(o));
            o += i.Size;
        }
    }

    public static InstructionSet Of(params Instruction[] instructions) => new(instructions);

    /// <summary>Shorthand for one apply-actions instruction (plus an optional goto_table).</summary>
    public static InstructionSet Apply(IReadOnlyList<OfAction> actions, byte? gotoTable = null)
    {
        var list = new List<Instruction>();
        if (actions.Count > 0) list.Add(new ApplyActions(actions));
        if (gotoTable is byte t) list.Add(new GotoTable(t));
        return new InstructionSet(list);
    }

    /// <summary>The instructions, decoded from the encoding on each call.</summary>
    public IReadOnlyList<Instruction> Instructions => Instruction.ReadAll(_bytes);
    public ReadOnlySpan<byte> Bytes => _bytes;
    public int Size => _bytes.Length;

    public static InstructionSet Read(ReadOnlySpan<byte> src) => new(Instruction.ReadAll(src));

    public override string ToString() => Instruction.Format(Instructions);

    public bool Equals(InstructionSet? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);
    public override bool Equals(object? obj) => Equals(obj as InstructionSet);
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.AddBytes(_bytes);
        return h.ToHashCode();
    }
}
