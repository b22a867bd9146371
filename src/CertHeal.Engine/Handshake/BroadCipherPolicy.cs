using System.Net.Security;

namespace CertHeal.Handshake;

/// <summary>
/// The widest cipher-suite list the platform lets a client offer. .NET on Linux otherwise offers
/// only its short default TLS 1.2 list (ECDHE with AES-GCM and AES-CBC-SHA256/384, see
/// dotnet/runtime src/native/libs/System.Security.Cryptography.Native/pal_ssl.c), so a server
/// offering only CHACHA20-POLY1305, AES-CBC-SHA1 or RSA key exchange would look like it refuses
/// TLS although curl and Java connect. Every TlsCipherSuite that authenticates the server with a
/// certificate is passed; .NET drops the names the local OpenSSL does not know, and OpenSSL drops
/// what its security level forbids. Windows (SChannel) does not support CipherSuitesPolicy and
/// keeps the machine's list.
/// </summary>
#pragma warning disable CA1416 // Guarded at run time: Create returns null where CipherSuitesPolicy is unsupported.
internal static class BroadCipherPolicy
{
    private static readonly Lazy<CipherSuitesPolicy?> Policy = new(Create);

    public static CipherSuitesPolicy? Instance => Policy.Value;

    /// <summary>The suites in the policy, strongest first (IANA names).</summary>
    public static IReadOnlyList<TlsCipherSuite> Suites { get; } = Enum.GetValues<TlsCipherSuite>()
        .Distinct()
        .Where(CarriesCertificate)
        .OrderBy(s => Rank(s.ToString()))
        .ToArray();

    private static CipherSuitesPolicy? Create()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return null;
        }
        try
        {
            return new CipherSuitesPolicy(Suites);
        }
        catch (PlatformNotSupportedException)
        {
            return null;
        }
    }

    /// <summary>False for anonymous, PSK, SRP, Kerberos and signalling values: none of them shows a server certificate.</summary>
    internal static bool CarriesCertificate(TlsCipherSuite suite)
    {
        var name = suite.ToString();
        if (!name.StartsWith("TLS_", StringComparison.Ordinal) || name.Contains("_SCSV", StringComparison.Ordinal))
        {
            return false;
        }
        string[] excluded = ["_anon_", "PSK", "SRP", "KRB5", "_NULL_WITH_NULL_", "_WITH_NULL_", "EXPORT", "GOST", "_SM4_"];
        return !excluded.Any(x => name.Contains(x, StringComparison.Ordinal));
    }

    /// <summary>TLS 1.3 first, then forward secrecy (ECDHE, DHE, RSA, the rest), then AEAD, then the rest, NULL encryption last: the order a client prefers.</summary>
    internal static int Rank(string name)
    {
        if (!name.Contains("_WITH_", StringComparison.Ordinal))
        {
            return 0; // TLS 1.3 suites carry no key exchange in their name
        }
        var rank = name.StartsWith("TLS_ECDHE_", StringComparison.Ordinal) ? 10 : name.StartsWith("TLS_DHE_", StringComparison.Ordinal) ? 20
            : name.StartsWith("TLS_RSA_", StringComparison.Ordinal) ? 30 : 40;
        rank += name.Contains("GCM", StringComparison.Ordinal) || name.Contains("CHACHA20", StringComparison.Ordinal) ? 1
            : name.Contains("CCM", StringComparison.Ordinal) ? 2 : 3;
        rank += name.Contains("AES", StringComparison.Ordinal) || name.Contains("CHACHA20", StringComparison.Ordinal) ? 0 : 5;
        rank += name.Contains("_NULL_", StringComparison.Ordinal) ? 50 : 0;
        return rank;
    }
}
#pragma warning restore CA1416
