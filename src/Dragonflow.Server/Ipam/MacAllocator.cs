using System.Security.Cryptography;
using Dragonflow.Server.Errors;

namespace Dragonflow.Server.Ipam;

/// <summary>MAC addresses unique per network, claimed in the NB DB; generated ones are fa:16:3e:xx:xx:xx as Neutron's.</summary>
sealed class MacAllocator(Reservations reservations)
{
    const int Attempts = 16;

    public async Task ClaimAsync(string networkId, string mac, string owner)
    {
        if (!await reservations.TryClaimAsync(Reservations.MacTable, Reservations.MacKey(networkId, mac), networkId, owner))
            throw NeutronErrors.Conflict("MacAddressInUse",
                $"Unable to complete operation for network {networkId}. The mac address {mac} is in use.");
    }

    public async Task<string> AllocateAsync(string networkId, string owner)
    {
        var b = new byte[3];
        for (var i = 0; i < Attempts; i++)
        {
            RandomNumberGenerator.Fill(b);
            var mac = $"fa:16:3e:{b[0]:x2}:{b[1]:x2}:{b[2]:x2}";
            if (await reservations.TryClaimAsync(Reservations.MacTable, Reservations.MacKey(networkId, mac), networkId, owner))
                return mac;
        }
        throw NeutronErrors.ServiceUnavailable($"Unable to generate a unique mac on network {networkId}.");
    }

    public Task ReleaseAsync(string networkId, string mac, string owner) =>
        reservations.ReleaseAsync(Reservations.MacTable, Reservations.MacKey(networkId, mac), owner);

    /// <summary>Normalises to lower-case colon form; null if not a unicast MAC.</summary>
    public static string? Normalize(string text)
    {
        var parts = text.Split(':', '-');
        if (parts.Length != 6 || parts.Any(p => p.Length != 2 || !byte.TryParse(p, System.Globalization.NumberStyles.HexNumber, null, out _)))
            return null;
        var mac = string.Join(':', parts).ToLowerInvariant();
        var first = Convert.ToByte(parts[0], 16);
        return (first & 1) != 0 || mac == "00:00:00:00:00:00" ? null : mac;
    }
}
