using System.CommandLine;
using Dragonflow.Controller.Hosting;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Cli.Verbs;

/// <summary><c>dragonflow controller</c>: the local controller of this chassis ([df] host, local_ip, tunnel_types, ...).</summary>
static class ControllerVerb
{
    public static Command Create()
    {
        var command = new Command("controller", "Run the local controller: program br-int from the NB database.");
        command.SetAction(async (parse, cancellationToken) =>
        {
            var config = GlobalOptions.LoadConfig(parse);
            if (config.NbDbClass == "sqlite" && Path.GetDirectoryName(Path.GetFullPath(config.NbDbPath)) is { } directory)
                Directory.CreateDirectory(directory);
            var options = new ControllerOptions
            {
                Host = config.Host,
                LocalIp = config.LocalIp,
                TunnelTypes = config.TunnelTypes,
                IntegrationBridge = config.IntegrationBridge,
                DatapathType = config.DatapathType,
                OvsdbConnection = config.OvsdbConnection,
                OfListen = config.OfListen,
                Apps = config.AppsList,
                ExternalBridge = config.ExternalBridge,
                BridgeMappings = config.BridgeMappings,
                DnsDomain = config.DnsDomain,
                Metadata = new Dragonflow.Controller.MetadataService.MetadataProxyOptions
                {
                    NovaHost = config.NovaMetadataHost,
                    NovaPort = config.NovaMetadataPort,
                    NovaProtocol = config.NovaMetadataProtocol,
                    SharedSecret = config.MetadataProxySharedSecret,
                    Namespace = config.MetadataNamespace,
                },
                EnableChassisAsGateway = config.EnableChassisAsGateway,
                ReportInterval = config.ReportInterval,
                Nb = NbConnection.OptionsFrom(config),
                MetricsListen = config.MetricsListen,
            };
            using var loggerFactory = LoggerFactory.Create(logging => logging.AddDragonflowConsole(config));
            LocalController controller;
            try
            {
                controller = await LocalController.StartAsync(options, loggerFactory, cancellationToken);
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.Usage;
            }
            catch (Dragonflow.Controller.Observability.MetricsListenException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.Failure;
            }
            await using (controller)
            {
                Console.Error.WriteLine($"dragonflow controller: chassis {options.Host}, OpenFlow {controller.OpenFlowTarget}, NB {config.NbDbClass}");
                if (controller.MetricsAddress is { } metrics)
                    Console.Error.WriteLine($"dragonflow controller: metrics on {metrics}");
                try
                {
                    await Task.WhenAny(controller.Completion, Task.Delay(Timeout.Infinite, cancellationToken));
                }
                catch (OperationCanceledException)
                {
                }
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
