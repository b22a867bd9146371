using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Trust;

/// <summary>
/// The set of certificates a verdict is judged against: the OS roots, a keystore, or (in tests)
/// a lab root. Chains are always built with CustomRootTrust over this set, so the verdict never
/// depends on what an earlier chain build left in the user's CA cache.
/// </summary>
public sealed class TrustAnchors
{
    private static readonly object SystemGate = new();
    private static TrustAnchors? _system;
    private static string _systemStamp = "";

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

    /// <summary>
    /// The machine's root store (on Linux, honouring SSL_CERT_FILE and SSL_CERT_DIR). Read again when
    /// its files change, so a long-lived process (a remoting session, a console, a service) that heals
    /// the OS bundle, or sees update-ca-certificates run, judges the next handshake by the new roots.
    /// </summary>
    public static TrustAnchors System
    {
        get
        {
            var stamp = SystemStoreStamp();
            lock (SystemGate)
            {
                if (_system is null || !string.Equals(stamp, _systemStamp, StringComparison.Ordinal))
                {
                    _system = LoadSystem();
                    _systemStamp = stamp;
                }
                return _system;
            }
        }
    }

    // Where OpenSSL (and .NET on Linux, and curl) read the machine's roots: SSL_CERT_FILE and
    // SSL_CERT_DIR when set, else the distributions' defaults (Debian/Ubuntu, RHEL/Fedora, SUSE, Alpine),
    // the same lists Find-Keystore reports.
    private static readonly string[] DefaultBundles = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", "/etc/ssl/ca-bundle.pem", "/etc/ssl/cert.pem"];
    private static readonly string[] DefaultFolders = ["/etc/ssl/certs", "/etc/pki/tls/certs"];

    private static (string? File, string[] Folders) SystemStoreSources()
    {
        var file = Environment.GetEnvironmentVariable("SSL_CERT_FILE") is { Length: > 0 } f ? f : DefaultBundles.FirstOrDefault(File.Exists);
        var folders = Environment.GetEnvironmentVariable("SSL_CERT_DIR") is { Length: > 0 } d
            ? d.Split(':', StringSplitOptions.RemoveEmptyEntries)
            : DefaultFolders.Where(Directory.Exists).Take(1).ToArray();
        return (file, folders);
    }

    /// <summary>The system store's files as last written (empty off Linux: the platform's store is used as is).</summary>
    private static string SystemStoreStamp()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "";
        }
        try
        {
            var (file, folders) = SystemStoreSources();
            var parts = new List<string>();
            if (file is not null)
            {
                var info = new FileInfo(file);
                var target = info.LinkTarget is null ? info : info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? info;
                parts.Add(target.Exists ? $"{target.FullName}:{target.LastWriteTimeUtc.Ticks}:{target.Length}" : file + ":-");
            }
            foreach (var folder in folders)
            {
                var info = new DirectoryInfo(folder);
                parts.Add(info.Exists ? $"{folder}:{info.LastWriteTimeUtc.Ticks}" : folder + ":-");
            }
            return string.Join("|", parts);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>
    /// The machine's roots read from its files, as .NET and OpenSSL read them: the bundle, then every
    /// file of each folder, PEM or DER. On Debian the folder is links to the files the bundle was made
    /// from (each certificate reachable three times), so files are followed to where they point and
    /// read once, and certificates are compared as bytes before any is parsed: 144 are parsed, not 440.
    /// </summary>
    private static TrustAnchors? LoadSystemFiles()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        var (file, folders) = SystemStoreSources();
        return FromMachineFiles(file, folders);
    }

    internal static TrustAnchors? FromMachineFiles(string? file, IReadOnlyList<string> folders)
    {
        var seenFiles = new HashSet<string>(StringComparer.Ordinal);
        // Compared as bytes: a digest per certificate cost more than the comparison it saves.
        var seenCertificates = new HashSet<byte[]>(ByteArrayComparer.Instance);
        var certificates = new List<X509Certificate2>();
        void Read(string path)
        {
            try
            {
                var real = new FileInfo(path) is { LinkTarget: not null } link
                    ? link.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path
                    : Path.GetFullPath(path);
                if (!seenFiles.Add(real))
                {
                    return;
                }
                var bytes = File.ReadAllBytes(real);
                foreach (var der in SystemStoreFile.Certificates(bytes))
                {
                    if (seenCertificates.Add(der))
                    {
                        certificates.Add(new X509Certificate2(der));
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or global::System.Security.Cryptography.CryptographicException)
            {
                // Unreadable, or not a certificate (OpenSSL skips it too).
            }
        }
        if (file is not null)
        {
            Read(file);
        }
        foreach (var folder in folders.Where(Directory.Exists))
        {
            foreach (var path in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
            {
                Read(path);
            }
        }
        if (certificates.Count == 0)
        {
            return null;
        }
        // Told apart as .NET and OpenSSL tell the machine store's roots apart: by name (subject equals
        // issuer), without checking an anchor's self-signature, which no client does and which was
        // most of reading the store (an RSA key import and verification per root).
        var roots = new X509Certificate2Collection();
        var others = new X509Certificate2Collection();
        foreach (var certificate in certificates)
        {
            (certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData) ? roots : others).Add(certificate);
        }
        return new TrustAnchors("System", roots, others, isSystem: true);
    }

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
    public bool Contains(X509Certificate2 certificate)
    {
        // An index by fingerprint, built on first use: a scan of the whole set per question made
        // path checks over a 20,000-entry keystore quadratic. The collections are not changed
        // after construction (nothing in CertHeal adds to them), and a count check catches it if one is.
        var index = _index;
        if (index is null || index.Count != Roots.Count + Intermediates.Count)
        {
            var fresh = new HashSet<string>(StringComparer.Ordinal);
            foreach (var member in Roots.Cast<X509Certificate2>().Concat(Intermediates.Cast<X509Certificate2>()))
            {
                fresh.Add(CertificateFacts.Sha256Fingerprint(member));
            }
            _index = index = new Index(fresh, Roots.Count + Intermediates.Count);
        }
        return index.Fingerprints.Contains(CertificateFacts.Sha256Fingerprint(certificate));
    }

    private sealed record Index(HashSet<string> Fingerprints, int Count);

    private volatile Index? _index;

    private static TrustAnchors LoadSystem()
    {
        if (LoadSystemFiles() is { } fromFiles)
        {
            return fromFiles;
        }
        using var store = new X509Store(StoreName.Root, StoreLocation.LocalMachine);
        store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
        return FromCertificates("System", store.Certificates.Cast<X509Certificate2>(), isSystem: true);
    }
}
