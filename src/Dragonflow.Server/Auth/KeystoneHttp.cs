using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Dragonflow.Server.Auth;

/// <summary>The HttpClient the server talks to Keystone with: cafile as the only trusted roots when set, insecure honoured.</summary>
public static class KeystoneHttp
{
    /// <summary>How long one call to Keystone may take before Keystone counts as unavailable.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    public static X509Certificate2Collection LoadCaBundle(string path)
    {
        var bundle = new X509Certificate2Collection();
        bundle.ImportFromPemFile(path);
        return bundle;
    }

    public static HttpClient Create(KeystoneSettings settings)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectTimeout = CallTimeout,
            // Short-lived pooled connections, so a Keystone that moved (DNS, restart) is found again.
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        };
        if (settings.Insecure)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }
        else if (settings.CaFile is not null)
        {
            var roots = LoadCaBundle(settings.CaFile);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                certificate is not null && TrustedBy(roots, certificate, errors);
        }
        return new HttpClient(handler) { BaseAddress = settings.ApiRoot, Timeout = CallTimeout };
    }

    /// <summary>The name must match as usual; the chain must end in one of <paramref name="roots"/>.</summary>
    static bool TrustedBy(X509Certificate2Collection roots, X509Certificate certificate, SslPolicyErrors errors)
    {
        if ((errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
