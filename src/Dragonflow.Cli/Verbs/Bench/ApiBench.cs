using System.CommandLine;
using Dragonflow.Server.Auth;
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
        var keystone = new Option<string?>("--keystone")
        {
            Description = "Run the server with auth_strategy = keystone against this running Keystone (e.g. http://127.0.0.1:5000/v3); "
                + "the bench makes a project, a member user and its token there, and removes them at the end",
        };
        var adminUser = new Option<string>("--admin-user") { Description = "Keystone admin (also the server's service user)", DefaultValueFactory = _ => "admin" };
        var adminPassword = new Option<string?>("--admin-password") { Description = "The Keystone admin's password (required with --keystone)" };
        var adminProject = new Option<string>("--admin-project") { Description = "The Keystone admin's project", DefaultValueFactory = _ => "admin" };
        var command = new Command("api", "Neutron API server: port creates/s (sqlite NB, ZeroMQ publisher) and GET /v2.0/ports latency.")
        {
            ports, clients, keystone, adminUser, adminPassword, adminProject,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var n = parse.GetValue(ports);
            var c = parse.GetValue(clients);
            if (n < 1 || c < 1)
            {
                Console.Error.WriteLine("error: --ports and --clients must be at least 1");
                return ExitCodes.Usage;
            }
            Uri? keystoneUrl = null;
            if (parse.GetValue(keystone) is { } text
                && (!Uri.TryCreate(text, UriKind.Absolute, out keystoneUrl) || keystoneUrl.Scheme is not ("http" or "https") || parse.GetValue(adminPassword) is null))
            {
                Console.Error.WriteLine("error: --keystone takes an http(s) URL and needs --admin-password");
                return ExitCodes.Usage;
            }
            KeystoneBenchAccount? account = null;
            try
            {
                if (keystoneUrl is not null)
                    account = await KeystoneBenchAccount.CreateAsync(keystoneUrl, parse.GetValue(adminUser)!, parse.GetValue(adminPassword)!,
                        parse.GetValue(adminProject)!, cancellationToken);
            }
            catch (Exception e) when (e is KeystoneUnavailableException or InvalidOperationException)
            {
                Console.Error.WriteLine($"error: Keystone at {keystoneUrl}: {e.Message}");
                return ExitCodes.Failure;
            }
            await using var removeAccount = account;
            var r = await ApiBenchmark.RunAsync(new ApiBenchOptions { Ports = n, Clients = c, Keystone = account }, line => Console.Error.WriteLine(line), cancellationToken);
            if (account is not null)
                Console.WriteLine($"auth keystone      {keystoneUrl}    token validated by Keystone {r.KeystoneValidations} time(s), then from the cache");
            Console.WriteLine($"port create        {r.CreatesPerSecond,10:F0} /s    target >= {CreatesTarget} /s    {Verdict(r.CreatesPerSecond >= CreatesTarget)}  ({n} ports, {c} clients, {r.CreateTime.TotalSeconds:F1} s)");
            Console.WriteLine($"list all ports     {r.FullList.TotalMilliseconds,10:F1} ms    target < {FullListTarget.TotalMilliseconds} ms{(n == 10000 ? "" : " at 10000 ports")}    {Verdict(r.FullList < FullListTarget)}  ({r.FullListCount} ports, {r.FullListBytes / 1024} KiB, median)");
            Console.WriteLine($"list ?device_id=   {r.FilteredList.TotalMilliseconds,10:F2} ms    target < {FilteredTarget.TotalMilliseconds} ms    {Verdict(r.FilteredList < FilteredTarget)}  (median)");
            return ExitCodes.Ok;
        });
        return command;
    }

    static string Verdict(bool met) => met ? "met" : "MISSED";
}
