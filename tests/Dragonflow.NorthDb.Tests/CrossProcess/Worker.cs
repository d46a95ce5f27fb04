using Dragonflow.Testing.NorthDb;

namespace Dragonflow.NorthDb.Tests.CrossProcess;

/// <summary>Starts tests/Dragonflow.NorthDb.Worker (copied next to the test assembly) as a child process.</summary>
internal static class Worker
{
    public static string AssemblyPath { get; } = Path.Combine(AppContext.BaseDirectory, "Dragonflow.NorthDb.Worker.dll");

    public static ChildProcess Start(params string[] args) => ChildProcess.StartDotnet(AssemblyPath, args);
}
