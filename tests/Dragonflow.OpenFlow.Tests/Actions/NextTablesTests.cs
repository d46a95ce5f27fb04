using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;
using Dragonflow.OpenFlow.Protocol;

namespace Dragonflow.OpenFlow.Tests.Actions;

/// <summary>The tables a flow continues in, read from the encoding: goto_table, resubmit to a table, ct recirculation.</summary>
public class NextTablesTests
{
    private static readonly byte[] Allowed = [20, 64, 77];

    public static TheoryData<string, InstructionSet, byte?> Cases => new()
    {
        { "drop", InstructionSet.Drop, null },
        { "goto allowed", InstructionSet.Of(Instruction.Goto(64)), null },
        { "goto elsewhere", InstructionSet.Of(Instruction.Goto(17)), 17 },
        { "apply then goto elsewhere", InstructionSet.Apply([new Output(3)], 25), 25 },
        { "resubmits, the last elsewhere", InstructionSet.Apply([Resubmit.ToTable(64), new Output(1), Resubmit.ToTable(20), Resubmit.ToTable(72)]), 72 },
        { "resubmit to the current table", InstructionSet.Apply([new Resubmit(Resubmit.InPort)]), null },
        { "ct recirculating elsewhere", InstructionSet.Apply([new Ct { RecircTable = 6 }]), 6 },
        { "ct recirculating allowed", InstructionSet.Apply([new Ct { RecircTable = 77 }]), null },
        { "ct commit without recirculation, then goto", InstructionSet.Of(Instruction.Apply(new Ct { Flags = CtFlags.Commit, Actions = [new Nat()] }), Instruction.Goto(20)), null },
        { "write-actions resubmit", InstructionSet.Of(new WriteActions([Resubmit.ToTable(30)])), 30 },
        { "set_field and output only", InstructionSet.Apply([new SetField(MatchField.Register(7, 5)), new Output(OfpPort.Table)]), null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Only_tables_outside_the_allowed_ones_are_reported(string what, InstructionSet instructions, byte? outside)
    {
        var only = NextTables.OnlyIn(instructions, Allowed, out var offending);
        Assert.True(only == (outside is null), what);
        if (outside is { } t) Assert.Equal(t, offending);
    }
}
