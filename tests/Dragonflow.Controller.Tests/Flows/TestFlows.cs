using Dragonflow.Controller.Flows;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;
using Dragonflow.Testing;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Tests.Flows;

/// <summary>Apps and flows the installer tests use.</summary>
internal static class TestFlows
{
    public static readonly AppId L2 = new(1, "l2");
    public static readonly AppId Sg = new(2, "sg");

    public static FlowInstaller NewInstaller(RecordingLogger? log = null)
    {
        var installer = new FlowInstaller(log is null ? null : new TypedLogger<FlowInstaller>(log));
        installer.Register(L2, [0, 17, 64]);
        installer.Register(Sg, [72, 77]);
        return installer;
    }

    /// <summary>table=T,priority=P,in_port=IN actions=output:OUT</summary>
    public static DesiredFlow Forward(byte table, ushort priority, uint inPort, uint outPort) =>
        new(table, priority, Match.Of(MatchField.InPort(inPort)), InstructionSet.Apply([new Output(outPort)]));

    /// <summary>table=T,priority=P,reg7=KEY actions=goto_table:NEXT</summary>
    public static DesiredFlow Jump(byte table, ushort priority, uint reg7, byte next) =>
        new(table, priority, Match.Of(MatchField.Register(7, reg7)), InstructionSet.Of(Instruction.Goto(next)));

    public static ulong CookieOf(AppId app, uint generation) => FlowCookie.Make(app, generation);
}

/// <summary>Puts an installer's log into a <see cref="RecordingLogger"/>.</summary>
internal sealed class TypedLogger<T>(RecordingLogger inner) : ILogger<T>
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);
    public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
        Func<TState, Exception?, string> formatter) => inner.Log(logLevel, eventId, state, exception, formatter);
}
