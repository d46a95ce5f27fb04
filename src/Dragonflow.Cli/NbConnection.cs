using Dragonflow.Configuration;
using Dragonflow.NorthDb;
using Dragonflow.NorthDb.Drivers.Sqlite;

namespace Dragonflow.Cli;

/// <summary>Opens the NB database that the configuration names.</summary>
static class NbConnection
{
    public static NbApi Open(DragonflowConfig config, bool publish)
    {
        _ = publish;
        switch (config.NbDbClass)
        {
            case "sqlite":
                var directory = Path.GetDirectoryName(Path.GetFullPath(config.NbDbPath));
                if (directory is not null)
                    Directory.CreateDirectory(directory);
                return new NbApi(new SqliteNbDriver(config.NbDbPath));
            default:
                throw new NbConfigurationException($"nb_db_class {config.NbDbClass} is not available in this build");
        }
    }
}
