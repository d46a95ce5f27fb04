using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Dragonflow.OpenFlow.Connection;

/// <summary>
/// Parses the Open vSwitch style targets our listener binds: <c>tcp:IP:PORT</c> (IPv6 as
/// <c>tcp:[::1]:6653</c>) and <c>unix:PATH</c>. The <c>ptcp:</c>/<c>punix:</c> spellings are
/// accepted too since they mean the same thing from the listening side.
/// </summary>
public static class OpenFlowTarget
{
    public const int DefaultPort = 6653;

    public static EndPoint Parse(string target)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        var colon = target.IndexOf(':');
        if (colon < 0) throw new FormatException($"'{target}' is not tcp:IP:PORT or unix:PATH");
        var scheme = target[..colon];
        var rest = target[(colon + 1)..];
        switch (scheme)
        {
            case "unix":
            case "punix":
                if (rest.Length == 0) throw new FormatException($"'{target}' has no path");
                return new UnixDomainSocketEndPoint(rest);
            case "tcp":
            case "ptcp":
                string host;
                var port = DefaultPort;
                if (rest.StartsWith('['))
                {
                    var close = rest.IndexOf(']');
                    if (close < 0) throw new FormatException($"'{target}' has an unterminated IPv6 address");
                    host = rest[1..close];
                    if (close + 1 < rest.Length) port = ParsePort(rest[(close + 2)..], target);
                }
                else
                {
                    var c = rest.LastIndexOf(':');
                    host = c < 0 ? rest : rest[..c];
                    if (c >= 0) port = ParsePort(rest[(c + 1)..], target);
                }
                if (!IPAddress.TryParse(host, out var ip)) throw new FormatException($"'{host}' in '{target}' is not an IP address");
                return new IPEndPoint(ip, port);
            default:
                throw new FormatException($"'{target}': unknown scheme '{scheme}' (use tcp: or unix:)");
        }
    }

    private static int ParsePort(string s, string target) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is >= 0 and <= 65535
            ? p
            : throw new FormatException($"'{target}' has a bad port '{s}'");

    /// <summary>
    /// Another spelling of the same endpoint: <c>tcp:IP:0PORT</c> or <c>unix:DIR/./NAME</c>. Open
    /// vSwitch keys controllers by their target string, so a bridge whose controller is re-set to
    /// the other spelling dials it at once instead of waiting out its reconnect backoff.
    /// </summary>
    public static string Respell(string target)
    {
        var endpoint = Parse(target);
        if (endpoint is IPEndPoint ip)
        {
            var canonical = Format(ip);
            return canonical[..(canonical.LastIndexOf(':') + 1)] + "0" + ip.Port.ToString(CultureInfo.InvariantCulture);
        }
        var path = target[(target.IndexOf(':') + 1)..];
        var slash = path.LastIndexOf('/');
        return slash < 0 ? $"unix:./{path}" : $"unix:{path[..slash]}/./{path[(slash + 1)..]}";
    }

    /// <summary>The target string for an endpoint (e.g. after binding port 0).</summary>
    public static string Format(EndPoint ep) => ep switch
    {
        IPEndPoint ip when ip.AddressFamily == AddressFamily.InterNetworkV6 => $"tcp:[{ip.Address}]:{ip.Port}",
        IPEndPoint ip => $"tcp:{ip.Address}:{ip.Port}",
        UnixDomainSocketEndPoint u => $"unix:{u}",
        _ => ep.ToString() ?? "?",
    };
}
