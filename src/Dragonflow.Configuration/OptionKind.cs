namespace Dragonflow.Configuration;

/// <summary>How an option's text is parsed and checked.</summary>
public enum OptionKind
{
    String,
    Integer,
    Boolean,
    /// <summary>Comma-separated list of strings.</summary>
    List,
    /// <summary>One of a fixed set of words.</summary>
    Choice,
    /// <summary>An IPv4 or IPv6 address.</summary>
    IpAddress,
    /// <summary>host:port to listen on (IPv6 in brackets); port 0 picks a free one.</summary>
    Endpoint,
    /// <summary>Comma-separated host:port list.</summary>
    EndpointList,
    /// <summary>An OVS-style connection string: unix:PATH, tcp:IP:PORT.</summary>
    Connection,
    /// <summary>An absolute http:// or https:// URL.</summary>
    Url,
}
