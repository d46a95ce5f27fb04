using Dragonflow.Configuration;
using Dragonflow.NorthDb;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Cli;

/// <summary>Opens the NB database (and, for writers that publish, the publisher) that the configuration names.</summary>
static class NbConnection
{
    public static NbOptions OptionsFrom(DragonflowConfig config) => new()
    {
        NbDbClass = config.NbDbClass,
        NbDbPath = config.NbDbPath,
        RemoteDbHosts = config.RemoteDbHosts,
        EnableDfPubSub = config.EnablePubSub,
        PubSubDriver = config.PubSubDriver,
        PublisherPort = config.PublisherPort,
        PublisherBindAddress = config.PublisherBindAddress,
        PublisherAdvertiseAddress = config.PublisherBindAddress is "*" or "0.0.0.0" ? config.ManagementIp : null,
        PublisherTimeout = config.PublisherTimeout,
    };

    public static Task<NbApi> OpenAsync(DragonflowConfig config, bool publish, ILoggerFactory? loggerFactory = null)
    {
        if (config.NbDbClass == "sqlite" && Path.GetDirectoryName(Path.GetFullPath(config.NbDbPath)) is { } directory)
            Directory.CreateDirectory(directory);
        return NbFactory.OpenAsync(OptionsFrom(config), publish, loggerFactory);
    }
}
