using System.Net;

namespace Dragonflow.Cli.Inspection.Trace;

/// <summary>An address with a prefix length, host bits allowed ("10.0.0.1/24" is an interface address on 10.0.0.0/24).</summary>
public readonly record struct Cidr(IPAddress Address, int PrefixLength)
{
    public static bool TryParse(string? text, out Cidr cidr)
    {
        cidr = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var slash = text.IndexOf('/');
        if (!IPAddress.TryParse(slash < 0 ? text : text[..slash], out var address)) return false;
        var max = address.GetAddressBytes().Length * 8;
        var length = max;
        if (slash >= 0 && (!int.TryParse(text[(slash + 1)..], out length) || length < 0 || length > max)) return false;
        cidr = new Cidr(address, length);
        return true;
    }

    public bool Contains(IPAddress ip)
    {
        var a = Address.GetAddressBytes();
        var b = ip.GetAddressBytes();
        if (a.Length != b.Length) return false;
        var bits = PrefixLength;
        for (var i = 0; i < a.Length && bits > 0; i++, bits -= 8)
        {
            var mask = bits >= 8 ? 0xff : (byte)(0xff << (8 - bits));
            if ((a[i] & mask) != (b[i] & mask)) return false;
        }
        return true;
    }

    public override string ToString() => $"{Address}/{PrefixLength}";
}
