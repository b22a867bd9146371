using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Trust;

/// <summary>
/// The set of certificates a verdict is judged against: the OS roots, a keystore, or (in tests)
/// a lab root. Chains are always built with CustomRootTrust over this set, so the verdict never
/// depends on what an earlier chain build left in the user's CA cache.
/// </summary>
public sealed class TrustAnchors
{
    private static readonly Lazy<TrustAnchors> SystemAnchors = new(LoadSystem);

    private TrustAnchors(string name, X509Certificate2Collection roots, X509Certificate2Collection intermediates, bool isSystem,
        IReadOnlyCollection<ClientFamily>? consumers = null)
    {
        Name = name;
        Consumers = consumers ?? AllFamilies;
        IsSystem = isSystem;
        Roots = roots;
        Intermediates = intermediates;
    }

    /// <summary>"System", or the keystore's path: what HandshakeResult.TrustedBy reports.</summary>
    public string Name { get; }

    /// <summary>True when these anchors stand for the machine's trust (certificates found here have Source = System).</summary>
    public bool IsSystem { get; }

    internal static readonly ClientFamily[] AllFamilies = [ClientFamily.DotNet, ClientFamily.OpenSsl, ClientFamily.Java, ClientFamily.Browser];

    /// <summary>
    /// The client families that use this trust store, whose verdicts decide the overall one: every
    /// family for the machine's store and for plain certificates; a keystore's own consumers
    /// (Java for JKS, Java and .NET for PKCS#12, OpenSSL/curl for PEM bundles and folders).
    /// </summary>
    public IReadOnlyCollection<ClientFamily> Consumers { get; }

    /// <summary>Self-signed anchors.</summary>
    public X509Certificate2Collection Roots { get; }

    /// <summary>Non-self-signed entries (a keystore's intermediates or pinned leaves): usable to build a path.</summary>
    public X509Certificate2Collection Intermediates { get; }

    /// <summary>The machine's root store (on Linux, honouring SSL_CERT_FILE and SSL_CERT_DIR).</summary>
    public static TrustAnchors System => SystemAnchors.Value;

    /// <summary>
    /// Anchors from explicit certificates. Self-signed ones become roots; the rest are kept as
    /// path material and, like Java's trustedCertEntry, also accepted as anchors when the chain
    /// reaches them.
    /// </summary>
    /// <param name="isSystem">True when the set stands in for the OS roots (tests hand the engine a lab root this way).</param>
    public static TrustAnchors FromCertificates(string name, IEnumerable<X509Certificate2> certificates, bool isSystem = false,
        IReadOnlyCollection<ClientFamily>? consumers = null)
    {
        var roots = new X509Certificate2Collection();
        var others = new X509Certificate2Collection();
        foreach (var certificate in certificates)
        {
            (CertificateFacts.IsSelfSigned(certificate) ? roots : others).Add(certificate);
        }
        return new TrustAnchors(name, roots, others, isSystem, consumers);
    }

    /// <summary>True when the certificate itself is in this set (compared by content).</summary>
    public bool Contains(X509Certificate2 certificate) =>
        Roots.Cast<X509Certificate2>().Concat(Intermediates.Cast<X509Certificate2>())
            .Any(c => c.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span));

    private static TrustAnchors LoadSystem()
    {
        using var store = new X509Store(StoreName.Root, StoreLocation.LocalMachine);
        store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
        return FromCertificates("System", store.Certificates.Cast<X509Certificate2>(), isSystem: true);
    }
}
