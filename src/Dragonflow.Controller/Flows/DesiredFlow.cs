using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;

namespace Dragonflow.Controller.Flows;

/// <summary>
/// One flow an app wants on br-int. Its identity on the switch is (table, priority, match):
/// two desired flows with the same key are the same switch flow, whoever asked for them.
/// The cookie is not part of the flow: the installer stamps the app and the generation into it,
/// with <see cref="CookieTag"/> between them (<see cref="FlowCookie"/>).
/// </summary>
public sealed record DesiredFlow(
    byte Table,
    ushort Priority,
    Match Match,
    InstructionSet Instructions,
    ushort IdleTimeout = 0,
    ushort HardTimeout = 0)
{
    public FlowKey Key => new(Table, Priority, Match);

    /// <summary>App-defined cookie bits (24), e.g. the security group a flow stands for.</summary>
    public uint CookieTag { get; init; }
}

/// <summary>What identifies a flow in an OpenFlow table.</summary>
public readonly record struct FlowKey(byte Table, ushort Priority, Match Match);
