namespace Dragonflow.Testing.Sandbox;

/// <summary>
/// Safety net: every sandbox resource registers how to remove itself (by the pid or name it
/// recorded) and unregisters when disposed normally. Whatever is still registered when the
/// test process exits is removed then, so an aborted run does not leak daemons or namespaces.
/// </summary>
public static class ExitCleanup
{
    private static readonly object Gate = new();
    private static readonly Dictionary<long, (string What, Action Cleanup)> Pending = new();
    private static long _next;

    static ExitCleanup()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => RunAll();
    }

    /// <summary>Registers a cleanup; dispose the returned handle once the resource is gone.</summary>
    public static IDisposable Register(string what, Action cleanup)
    {
        long id;
        lock (Gate)
        {
            id = ++_next;
            Pending[id] = (what, cleanup);
        }
        return new Handle(id);
    }

    /// <summary>Removes everything still registered, newest first.</summary>
    public static void RunAll()
    {
        List<(string What, Action Cleanup)> items;
        lock (Gate)
        {
            items = Pending.OrderByDescending(p => p.Key).Select(p => p.Value).ToList();
            Pending.Clear();
        }
        foreach (var (what, cleanup) in items)
        {
            try { cleanup(); }
            catch (Exception ex) { Console.Error.WriteLine($"cleanup of {what} failed: {ex.Message}"); }
        }
    }

    private sealed class Handle(long id) : IDisposable
    {
        public void Dispose()
        {
            lock (Gate) Pending.Remove(id);
        }
    }
}
