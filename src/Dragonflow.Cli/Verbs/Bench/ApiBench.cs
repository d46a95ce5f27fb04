using System.CommandLine;
using Dragonflow.Server.Bench;

namespace Dragonflow.Cli.Verbs.Bench;

/// <summary><c>dragonflow bench api</c>: port creates per second and port list latency of the API server, in-process.</summary>
static class ApiBench
{
    const double CreatesTarget = 500;
    static readonly TimeSpan FullListTarget = TimeSpan.FromMilliseconds(200);
    static readonly TimeSpan FilteredTarget = TimeSpan.FromMilliseconds(10);

    public static Command Create()
    {
        var ports = new Option<int>("--ports") { Description = "Ports to create", DefaultValueFactory = _ => 10000 };
        var clients = new Option<int>("--clients") { Description = "Concurrent HTTP clients", DefaultValueFactory = _ => 4 };
        var command = new Command("api", "Neutron API server: port creates/s (sqlite NB, ZeroMQ publisher) and GET /v2.0/ports latency.") { ports, clients };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var n = parse.GetValue(ports);
            var c = parse.GetValue(clients);
            if (n < 1 || c < 1)
            {
                Console.Error.WriteLine("error: --ports and --clients must be at least 1");
                return ExitCodes.Usage;
            }
            var r = await ApiBenchmark.RunAsync(new ApiBenchOptions { Ports = n, Clients = c }, line => Console.Error.WriteLine(line), cancellationToken);
            Console.WriteLine($"port create        {r.CreatesPerSecond,10:F0} /s    target >= {CreatesTarget} /s    {Verdict(r.CreatesPerSecond >= CreatesTarget)}  ({n} ports, {c} clients, {r.CreateTime.TotalSeconds:F1} s)");
            Console.WriteLine($"list all ports     {r.FullList.TotalMilliseconds,10:F1} ms    target < {FullListTarget.TotalMilliseconds} ms{(n == 10000 ? "" : " at 10000 ports")}    {Verdict(r.FullList < FullListTarget)}  ({r.FullListCount} ports, {r.FullListBytes / 1024} KiB, median)");
            Console.WriteLine($"list ?device_id=   {r.FilteredList.TotalMilliseconds,10:F2} ms    target < {FilteredTarget.TotalMilliseconds} ms    {Verdict(r.FilteredList < FilteredTarget)}  (median)");
            return ExitCodes.Ok;
        });
        return command;
    }

    static string Verdict(bool met) => met ? "met" : "MISSED";
}
