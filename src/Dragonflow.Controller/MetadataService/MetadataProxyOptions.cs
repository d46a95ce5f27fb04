namespace Dragonflow.Controller.MetadataService;

/// <summary>Where the metadata proxy forwards and how it signs ([df] nova_metadata_*, metadata_proxy_shared_secret).</summary>
public sealed record MetadataProxyOptions
{
    public string NovaHost { get; init; } = "127.0.0.1";

    public int NovaPort { get; init; } = 8775;

    /// <summary>http or https.</summary>
    public string NovaProtocol { get; init; } = "http";

    /// <summary>The secret Nova shares with the proxy; X-Instance-ID-Signature is its HMAC-SHA256 of the instance id.</summary>
    public string SharedSecret { get; init; } = "";

    /// <summary>
    /// [df] metadata_namespace: the network namespace (a name under /var/run/netns) of the chassis'
    /// Open vSwitch, where the proxy's interface is; empty = the controller's own.
    /// </summary>
    public string Namespace { get; init; } = "";

    /// <summary>How long the proxy waits for Nova before answering the VM with an error.</summary>
    public TimeSpan NovaTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public Uri NovaBase => new($"{NovaProtocol}://{NovaHost}:{NovaPort}/");
}
