using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Dragonflow.Controller.Packets.Dhcp;
using Dragonflow.Model;

namespace Dragonflow.Controller.Apps.Dhcp;

/// <summary>
/// Turns a port's Neutron extra_dhcp_opts into DHCPv4 options. A name is a code ("66",
/// "option:66") or one of dnsmasq's names, which Neutron's DHCP agent passes through and
/// operators' tooling (Ironic's PXE options among them) uses; the code decides how the text
/// value is encoded (RFC 2132). <c>server-ip-address</c> is not an option but the BOOTP
/// next-server field (siaddr). Options the server itself owns (message type, server id, lease
/// times, requested address) are refused, as is a value that does not fit its code.
/// </summary>
public static class ExtraOptionCatalog
{
    /// <summary>The name that sets siaddr instead of an option.</summary>
    public const string NextServerName = "server-ip-address";

    private enum Kind { Text, Addresses, UInt8, UInt16 }

    private static readonly Dictionary<string, byte> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["netmask"] = 1, ["router"] = 3, ["dns-server"] = 6, ["log-server"] = 7, ["lpr-server"] = 9,
        ["hostname"] = 12, ["boot-file-size"] = 13, ["domain-name"] = 15, ["swap-server"] = 16, ["root-path"] = 17,
        ["extension-path"] = 18, ["ip-forward-enable"] = 19, ["mtu"] = 26, ["broadcast"] = 28, ["router-discovery"] = 31,
        ["ntp-server"] = 42, ["netbios-ns"] = 44, ["netbios-dd"] = 45, ["netbios-nodetype"] = 46, ["netbios-scope"] = 47,
        ["tftp-server"] = 66, ["bootfile-name"] = 67, ["tftp-server-address"] = 150,
    };

    private static readonly Dictionary<byte, Kind> Kinds = new()
    {
        [1] = Kind.Addresses, [3] = Kind.Addresses, [6] = Kind.Addresses, [7] = Kind.Addresses, [9] = Kind.Addresses,
        [13] = Kind.UInt16, [16] = Kind.Addresses, [19] = Kind.UInt8, [26] = Kind.UInt16, [28] = Kind.Addresses,
        [31] = Kind.UInt8, [42] = Kind.Addresses, [44] = Kind.Addresses, [45] = Kind.Addresses, [46] = Kind.UInt8,
        [150] = Kind.Addresses,
    };

    /// <summary>Codes the server fills in itself (RFC 2132 §9: lease and message-handling options).</summary>
    private static readonly HashSet<byte> Reserved =
    [
        DhcpOptionCode.Pad, DhcpOptionCode.RequestedIp, DhcpOptionCode.LeaseTime, 52, DhcpOptionCode.MessageType,
        DhcpOptionCode.ServerId, 55, DhcpOptionCode.Message, 57, DhcpOptionCode.RenewalTime, DhcpOptionCode.RebindingTime,
        61, DhcpOptionCode.End,
    ];

    /// <summary>The DHCPv4 option for <paramref name="extra"/>, or the reason it cannot be sent.</summary>
    public static (DhcpOption? Option, string? Error) Encode(ExtraDhcpOption extra)
    {
        var name = extra.OptName.StartsWith("option:", StringComparison.OrdinalIgnoreCase) ? extra.OptName["option:".Length..] : extra.OptName;
        byte code;
        if (Names.TryGetValue(name, out var known)) code = known;
        else if (!byte.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out code)) return (null, $"unknown option name '{extra.OptName}'");
        if (Reserved.Contains(code)) return (null, $"option {code} is the server's own");
        var value = extra.OptValue.Trim();
        switch (Kinds.GetValueOrDefault(code, Kind.Text))
        {
            case Kind.Addresses:
                var addresses = new List<IPAddress>();
                foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    if (!IPAddress.TryParse(part, out var a) || a.AddressFamily != AddressFamily.InterNetwork) return (null, $"'{part}' is not an IPv4 address");
                    addresses.Add(a);
                }
                return addresses.Count is > 0 and <= 63 ? (DhcpOption.Addresses(code, addresses), null) : (null, "no addresses");
            case Kind.UInt8:
                return byte.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var b)
                    ? (new DhcpOption(code, [b]), null) : (null, $"'{value}' is not a number from 0 to 255");
            case Kind.UInt16:
                return ushort.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var u)
                    ? (DhcpOption.UInt16(code, u), null) : (null, $"'{value}' is not a number from 0 to 65535");
            default:
                return value.Length is > 0 and <= 255 && value.All(char.IsAscii)
                    ? (DhcpOption.Text(code, value), null) : (null, "the value is not 1-255 ASCII characters");
        }
    }

    /// <summary>The next-server address of <paramref name="extras"/> (server-ip-address), if one is set and valid.</summary>
    public static IPAddress? NextServer(IEnumerable<ExtraDhcpOption> extras) =>
        extras.LastOrDefault(e => e.IpVersion == 4 && string.Equals(e.OptName, NextServerName, StringComparison.OrdinalIgnoreCase)) is { } e &&
        IPAddress.TryParse(e.OptValue.Trim(), out var a) && a.AddressFamily == AddressFamily.InterNetwork ? a : null;
}
