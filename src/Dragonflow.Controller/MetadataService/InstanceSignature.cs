using System.Security.Cryptography;
using System.Text;

namespace Dragonflow.Controller.MetadataService;

/// <summary>X-Instance-ID-Signature as Nova checks it: the hex HMAC-SHA256 of the instance id keyed with the shared secret.</summary>
public static class InstanceSignature
{
    public static string Of(string instanceId, string sharedSecret) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(sharedSecret), Encoding.UTF8.GetBytes(instanceId)));
}
