namespace Dragonflow.Configuration;

/// <summary>A configuration value that cannot be used; the message names the option and where it came from.</summary>
public sealed class ConfigException(string message) : Exception(message);
