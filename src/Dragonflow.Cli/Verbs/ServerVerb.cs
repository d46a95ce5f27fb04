using System.CommandLine;
using Dragonflow.Server.Auth;
using Dragonflow.Server.Hosting;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Cli.Verbs;

/// <summary><c>dragonflow server</c>: the Neutron v2.0 API on [api] bind, writing the configured NB database.</summary>
static class ServerVerb
{
    public static Command Create()
    {
        var command = new Command("server", "Run the Neutron v2.0 API server (default 127.0.0.1:9696) on the NB database.");
        command.SetAction(async (parse, cancellationToken) =>
        {
            var config = GlobalOptions.LoadConfig(parse);
            StaticTokens? tokens = null;
            if (config.AuthStrategy == "token")
            {
                if (string.IsNullOrEmpty(config.TokenFile))
                {
                    Console.Error.WriteLine("error: api.auth_strategy = token needs api.token_file");
                    return ExitCodes.Usage;
                }
                try
                {
                    tokens = StaticTokens.Load(config.TokenFile);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
                {
                    Console.Error.WriteLine($"error: api.token_file: {e.Message}");
                    return ExitCodes.Usage;
                }
            }
            var keystone = config.AuthStrategy == "keystone" ? KeystoneSettings.From(config) : null;
            using var nbLogs = LoggerFactory.Create(logging => logging.AddDragonflowConsole(config));
            using var nb = await NbConnection.OpenAsync(config, publish: true, nbLogs);
            var options = new ServerOptions
            {
                Bind = config.ApiBind,
                AuthStrategy = config.AuthStrategy,
                Tokens = tokens,
                Keystone = keystone,
                DefaultNetworkType = config.TunnelTypes.FirstOrDefault() ?? "vxlan",
                NetworkVlanRanges = config.NetworkVlanRanges,
                QuotaDefaults = config.QuotaDefaults,
            };
            await using var server = NeutronServer.Create(nb, options, logging => logging
                .AddDragonflowConsole(config)
                .AddFilter("Microsoft.AspNetCore", config.Debug ? LogLevel.Information : LogLevel.Warning));
            await server.StartAsync(cancellationToken);
            Console.Error.WriteLine($"dragonflow server: Neutron API on {server.Address}, NB {config.NbDbClass}");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
