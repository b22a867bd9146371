using System.Security.Cryptography.X509Certificates;
using CertHeal.Chains;
using CertHeal.Trust;

namespace CertHeal.Handshake;

/// <summary>What the verdict rules look at: facts from one probe, not the clients themselves.</summary>
internal sealed class VerdictFacts
{
    /// <summary>The highest version the server accepted (the negotiated one when nothing else is known).</summary>
    public TlsProtocol? ServerMaxProtocol { get; init; }

    /// <summary>Suites the server is known to accept at ServerMaxProtocol (IANA names): the negotiated one, plus the enumerated ones.</summary>
    public IReadOnlyList<string> ServerSuites { get; init; } = [];
    public IReadOnlyList<X509Certificate2> Presented { get; init; } = [];
    public TrustVerdict? Trust { get; init; }
    public bool NameMismatch { get; init; }

    /// <summary>The name the client connects to (SNI host or IP address): each family checks it by its own rules.</summary>
    public string? Host { get; init; }
    public bool AiaWouldComplete { get; init; }
    /// <summary>Why no client gets past the server's client-certificate check (required and none sent, or the one sent rejected); null when it passed or was not asked.</summary>
    public string? ClientCertificateProblem { get; init; }

    /// <summary>Whether the client certificate given reaches a CA the server names (HandshakeResult.ClientCertificateChainsToAcceptable).</summary>
    public bool? ClientCertificateChainsToAcceptable { get; init; }

    /// <summary>The server refuses a client that sends no certificate (not just asks for one).</summary>
    public bool ServerRequiresClientCertificate { get; init; }

    /// <summary>The size in bits of the finite-field DH prime the server uses with DHE suites (learned with BouncyCastle); null when unknown or not DHE.</summary>
    public int? DhGroupBits { get; init; }

    /// <summary>Whether this machine's .NET completes a loopback handshake at ServerMaxProtocol (ProtocolPolicy's self-test).</summary>
    public bool DotNetAllowsProtocol { get; init; } = true;

    /// <summary>True when the chain ends at a root of the machine's store: Java's "jdkCA" constraint (roots in its cacerts) applies.</summary>
    public bool AnchoredInPublicRoots { get; init; }
}

/// <summary>
/// One verdict per client family from that family's documented defaults. The rules, and where
/// they come from:
/// <list type="bullet">
/// <item>.NET on Linux: its default TLS 1.2 suite list (ECDHE with AES-GCM and AES-CBC-SHA256/384;
/// dotnet/runtime src/native/libs/System.Security.Cryptography.Native/pal_ssl.c, "CipherSuitesPolicy"
/// docs); TLS 1.0/1.1 as this machine's OpenSSL allows (loopback self-test); X509Chain on Linux
/// checks neither key size nor SHA-1 and downloads missing intermediates through AIA.</item>
/// <item>OpenSSL/curl: SSL_CTX_set_security_level(3) at the default level 2 (upstream from 3.2;
/// Debian, Ubuntu and RHEL builds of 3.0): TLS 1.0/1.1 need level 0; SHA-1 and MD5 signatures are refused from level 1
/// ("CA signature digest algorithm too weak"); RSA/DSA keys below 1024 (level 1) or 2048 (level 2)
/// bits and EC keys below 160/224 bits are refused ("EE/CA certificate key too weak"); suites are
/// OpenSSL 3's DEFAULT list (openssl-ciphers(1): AES-GCM, AES-CBC and CHACHA20-POLY1305 with ECDHE,
/// DHE or RSA key exchange); no AIA fetching.</item>
/// <item>Java 21 (current LTS) java.security: jdk.tls.disabledAlgorithms = SSLv3, TLSv1, TLSv1.1,
/// DTLSv1.0, RC4, DES, MD5withRSA, DH keySize &lt; 1024, EC keySize &lt; 224, 3DES_EDE_CBC, anon, NULL,
/// ECDH; jdk.certpath.disabledAlgorithms = MD2, MD5, SHA1 jdkCA &amp; usage TLSServer, RSA keySize &lt;
/// 1024, DSA keySize &lt; 1024, EC keySize &lt; 224; SunJSSE's enabled suites (AES-GCM, AES-CBC,
/// CHACHA20-POLY1305 with ECDHE, DHE or RSA key exchange); com.sun.security.enableAIAcaIssuers is
/// false. (Java 24 adds TLS_RSA_* to jdk.tls.disabledAlgorithms; that is not modelled.)</item>
/// <item>Browsers: current Chromium (Chrome, Edge) as the strictest mainstream one: TLS 1.2+ (TLS 1.0/1.1
/// removed in Chrome 84, Firefox 78, Safari 14), ECDHE with AES-GCM, CHACHA20-POLY1305 or AES-CBC-SHA
/// (DHE removed in Chrome 52, RSA key exchange in Chrome 131), no SHA-1 signatures (Chrome 56,
/// Firefox 52), RSA keys of at least 2048 bits (CA/Browser Forum Baseline Requirements 6.1.5),
/// missing intermediates fetched through AIA.</item>
/// </list>
/// Key exchange (finite-field DHE, when the family would negotiate a DHE suite): OpenSSL/curl refuse
/// a DH prime below the security level's minimum (level 1: 1024, level 2: 2048 bits; ssl/t1_lib.c
/// ssl_security_cert / tls_process_ske_dhe, "dh key too small"); Java 21 refuses DH keySize &lt; 1024
/// (jdk.tls.disabledAlgorithms); .NET on Linux follows the machine's OpenSSL security level (2 on
/// Debian, Ubuntu and RHEL); browsers offer no DHE at all (Chrome 52, Firefox 78).
/// Message size (the server's Certificate message): OpenSSL/curl refuse one longer than
/// max_cert_list, 100 KiB by default (SSL_CTX_set_max_cert_list(3): "excessive message size"), and
/// .NET on Linux inherits that limit; Java refuses handshake messages longer than
/// jdk.tls.maxHandshakeMessageSize (32768 bytes) and chains longer than jdk.tls.maxCertificateChainLength
/// (10); Chromium's BoringSSL keeps OpenSSL's 100 KiB max_cert_list default.
/// The client certificate: when the server requires one and none is sent, or rejects the one sent,
/// no client family gets further, so every verdict says so (VerdictCheck.ClientCertificate).
/// </summary>
internal static class ClientVerdictRules
{
    /// <summary>OpenSSL's default security level as modelled: <see cref="KeyAndDigestRules.OpenSslSecurityLevel"/>.</summary>
    public const int OpenSslSecurityLevel = KeyAndDigestRules.OpenSslSecurityLevel;

    private static readonly string[] DotNetLinuxSuites =
    [
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    ];

    private static readonly string[] AesChacha =
    [
        "_WITH_AES_128_GCM_SHA256", "_WITH_AES_256_GCM_SHA384", "_WITH_CHACHA20_POLY1305_SHA256", "_WITH_AES_128_CBC_SHA256",
        "_WITH_AES_256_CBC_SHA384", "_WITH_AES_256_CBC_SHA256", "_WITH_AES_128_CBC_SHA", "_WITH_AES_256_CBC_SHA",
    ];

    public static ClientVerdict[] Judge(VerdictFacts facts) =>
    [
        Judge(facts, ClientFamily.DotNet), Judge(facts, ClientFamily.OpenSsl), Judge(facts, ClientFamily.Java), Judge(facts, ClientFamily.Browser),
    ];

    public static string Model(ClientFamily family) => family switch
    {
        ClientFamily.DotNet => OperatingSystem.IsLinux() ? ".NET on this machine (Linux, OpenSSL), default settings" : ".NET on this machine, default settings",
        ClientFamily.OpenSsl => $"OpenSSL 3 and curl at security level {OpenSslSecurityLevel}",
        ClientFamily.Java => "Java 21 defaults (jdk.tls.disabledAlgorithms, jdk.certpath.disabledAlgorithms)",
        _ => "Current Chrome, Edge, Firefox and Safari",
    };

    private static ClientVerdict Judge(VerdictFacts facts, ClientFamily family)
    {
        var (check, reason) = FirstRejection(facts, family);
        return new ClientVerdict
        {
            Client = family,
            Model = Model(family),
            Accepts = check == VerdictCheck.None,
            Check = check,
            Reason = reason,
        };
    }

    private static (VerdictCheck, string) FirstRejection(VerdictFacts facts, ClientFamily family)
    {
        if (facts.ClientCertificateProblem is { } clientCertificate)
        {
            // Java's default X509KeyManager (SunX509) offers only a key whose chain names an issuer
            // from the CertificateRequest, so with a non-matching certificate it sends none at all.
            return (VerdictCheck.ClientCertificate, family == ClientFamily.Java && facts.ClientCertificateChainsToAcceptable == false
                ? "Java's key manager sends no client certificate whose chain misses the CAs the server names, and the server requires one"
                : clientCertificate);
        }
        if (family == ClientFamily.Java && facts.ServerRequiresClientCertificate && facts.ClientCertificateChainsToAcceptable == false)
        {
            // The server accepts the certificate SslStream, curl and openssl send, but Java's key
            // manager never offers it (see above), and this server refuses a client without one.
            return (VerdictCheck.ClientCertificate,
                "Java's key manager sends no client certificate whose chain misses the CAs the server names, and this server refuses a client without one");
        }
        if (facts.ServerMaxProtocol is { } protocol && protocol < TlsProtocol.Tls12)
        {
            var version = TlsProtocols.Describe(protocol);
            var rejected = family switch
            {
                ClientFamily.DotNet => facts.DotNetAllowsProtocol ? null : $"{version} is disabled by this machine's TLS policy",
                ClientFamily.OpenSsl => $"OpenSSL 3 allows {version} only at security level 0",
                ClientFamily.Java => $"{(protocol == TlsProtocol.Tls ? "TLSv1" : "TLSv1.1")} is in jdk.tls.disabledAlgorithms",
                _ => $"browsers removed {version} in 2020",
            };
            if (rejected is not null)
            {
                return (VerdictCheck.Protocol, rejected);
            }
        }
        if (facts.ServerMaxProtocol is not TlsProtocol.Tls13 && facts.ServerSuites.Count > 0
            && !facts.ServerSuites.Any(s => OffersSuite(family, s)))
        {
            var list = string.Join(", ", facts.ServerSuites);
            return (VerdictCheck.CipherSuite, family switch
            {
                ClientFamily.DotNet => $"{list} is not in .NET's default TLS 1.2 list on Linux (ECDHE with AES-GCM or AES-CBC-SHA256/384); the app must set CipherSuitesPolicy",
                ClientFamily.OpenSsl => $"{list} is not in OpenSSL's DEFAULT cipher list",
                ClientFamily.Java => $"{list} is not enabled by default in SunJSSE",
                _ => $"{list} is not offered by current browsers (ECDHE with AES-GCM, CHACHA20-POLY1305 or AES-CBC-SHA only; Chrome 131 removed RSA key exchange)",
            });
        }
        if (MessageSizeRejection(facts, family) is { } tooLarge)
        {
            return (VerdictCheck.MessageSize, tooLarge);
        }
        if (KeyExchangeRejection(facts, family) is { } weakExchange)
        {
            return (VerdictCheck.KeyExchange, weakExchange);
        }
        // Distrust before the certificates' own weaknesses: a blocked key (often a short one, as
        // Superfish's) is refused for what it is, not for its size.
        if (facts.Trust?.ProblemsFor(family).FirstOrDefault(p => p.Check == VerdictCheck.Distrust) is { } distrust)
        {
            return (VerdictCheck.Distrust, distrust.Reason);
        }
        foreach (var certificate in facts.Presented)
        {
            var (algorithm, bits) = CertificateFacts.Key(certificate);
            var minimum = MinimumKeyBits(family, algorithm);
            if (bits > 0 && bits < minimum)
            {
                return (VerdictCheck.KeySize, family switch
                {
                    ClientFamily.OpenSsl => $"the {algorithm} {bits}-bit key of '{certificate.Subject}' is below security level {OpenSslSecurityLevel}'s {minimum} bits (\"certificate key too weak\")",
                    ClientFamily.Java => $"the {algorithm} {bits}-bit key of '{certificate.Subject}' is below jdk.certpath.disabledAlgorithms' {minimum} bits",
                    _ => $"the {algorithm} {bits}-bit key of '{certificate.Subject}' is below the {minimum} bits browsers require",
                });
            }
        }
        foreach (var certificate in facts.Presented.Where(c => !CertificateFacts.IsSelfSigned(c)))
        {
            var digest = WeakDigest(certificate);
            if (digest is null)
            {
                continue;
            }
            var rejected = family switch
            {
                ClientFamily.DotNet => digest == "MD5" ? $"'{certificate.Subject}' is signed with MD5" : null,
                ClientFamily.OpenSsl => $"'{certificate.Subject}' is signed with {digest}, refused from security level 1 (\"CA signature digest algorithm too weak\")",
                ClientFamily.Java => digest == "MD5" || facts.AnchoredInPublicRoots
                    ? $"'{certificate.Subject}' is signed with {digest} ({(digest == "MD5" ? "MD5" : "SHA1 jdkCA & usage TLSServer")} in jdk.certpath.disabledAlgorithms)"
                    : null,
                _ => $"'{certificate.Subject}' is signed with {digest}, which browsers refuse",
            };
            if (rejected is not null)
            {
                return (VerdictCheck.SignatureAlgorithm, rejected);
            }
        }
        var completedByAia = false;
        if (facts.Trust is { } trust)
        {
            foreach (var problem in trust.ProblemsFor(family))
            {
                if (problem.Failure != HandshakeFailure.IncompleteChain)
                {
                    return (problem.Check, problem.Reason);
                }
                var fetches = family is ClientFamily.Browser or ClientFamily.DotNet;
                if (fetches && facts.AiaWouldComplete)
                {
                    completedByAia = true;
                    continue;
                }
                return (VerdictCheck.IncompleteChain, fetches
                    ? $"the chain is incomplete and AIA does not complete it: {problem.Reason}"
                    : $"the chain is incomplete and this client does not fetch missing intermediates (AIA): {problem.Reason}");
            }
        }
        var nameProblem = facts.Host is { Length: > 0 } host && facts.Presented.Count > 0
            ? HostNameRules.Rejects(family, facts.Presented[0], host)
            : facts.NameMismatch ? "the certificate does not cover the name connected to" : null;
        if (nameProblem is not null)
        {
            return (VerdictCheck.Name, nameProblem);
        }
        if (facts.ServerMaxProtocol is null && facts.Presented.Count == 0)
        {
            return (VerdictCheck.Other, "no handshake completed, so nothing could be judged");
        }
        return (VerdictCheck.None, "accepts: " + (facts.ServerMaxProtocol is { } p ? TlsProtocols.Describe(p) : "the protocol")
            + (facts.ServerSuites.Count > 0 ? ", " + facts.ServerSuites.First(s => OffersSuite(family, s) || facts.ServerMaxProtocol == TlsProtocol.Tls13) : "")
            + (completedByAia ? ", chain completed through AIA" : ", chain and name valid"));
    }

    /// <summary>OpenSSL's default max_cert_list (SSL_MAX_CERT_LIST_DEFAULT, 100 KiB), which BoringSSL keeps.</summary>
    public const int OpenSslMaxCertList = 100 * 1024;

    /// <summary>Java's jdk.tls.maxHandshakeMessageSize default (sun.security.ssl.SSLConfiguration).</summary>
    public const int JavaMaxHandshakeMessageSize = 32768;

    /// <summary>Java's jdk.tls.maxCertificateChainLength default for a server's chain.</summary>
    public const int JavaMaxCertificateChainLength = 10;

    /// <summary>
    /// The body length of the server's Certificate handshake message for this chain: TLS 1.2 is a
    /// 3-byte list length and a 3-byte length per certificate (RFC 5246 7.4.2); TLS 1.3 adds a
    /// 1-byte request context and 2 bytes of (empty) extensions per certificate (RFC 8446 4.4.2).
    /// </summary>
    internal static int CertificateMessageBytes(IReadOnlyList<X509Certificate2> presented, TlsProtocol? protocol) =>
        (protocol == TlsProtocol.Tls13 ? 1 : 0) + 3 + presented.Sum(c => c.RawData.Length + 3 + (protocol == TlsProtocol.Tls13 ? 2 : 0));

    private static string? MessageSizeRejection(VerdictFacts facts, ClientFamily family)
    {
        if (facts.Presented.Count == 0)
        {
            return null;
        }
        var bytes = CertificateMessageBytes(facts.Presented, facts.ServerMaxProtocol);
        return family switch
        {
            ClientFamily.Java when bytes > JavaMaxHandshakeMessageSize =>
                $"the server's Certificate message is {bytes} bytes, above jdk.tls.maxHandshakeMessageSize ({JavaMaxHandshakeMessageSize})",
            ClientFamily.Java when facts.Presented.Count > JavaMaxCertificateChainLength =>
                $"the server sent {facts.Presented.Count} certificates, above jdk.tls.maxCertificateChainLength ({JavaMaxCertificateChainLength})",
            ClientFamily.OpenSsl when bytes > OpenSslMaxCertList =>
                $"the server's Certificate message is {bytes} bytes, above OpenSSL's max_cert_list ({OpenSslMaxCertList} bytes, \"excessive message size\")",
            ClientFamily.DotNet when OperatingSystem.IsLinux() && bytes > OpenSslMaxCertList =>
                $"the server's Certificate message is {bytes} bytes, above the max_cert_list of the OpenSSL under .NET ({OpenSslMaxCertList} bytes)",
            ClientFamily.Browser when bytes > OpenSslMaxCertList =>
                $"the server's Certificate message is {bytes} bytes, above BoringSSL's max_cert_list ({OpenSslMaxCertList} bytes)",
            _ => null,
        };
    }

    private static string? KeyExchangeRejection(VerdictFacts facts, ClientFamily family)
    {
        // Only when this family would end up with DHE: every suite it shares with the server is DHE.
        if (facts.DhGroupBits is not { } bits || facts.ServerMaxProtocol is TlsProtocol.Tls13
            || facts.ServerSuites.Any(s => OffersSuite(family, s) && !s.StartsWith("TLS_DHE_", StringComparison.Ordinal)))
        {
            return null;
        }
        var openSslMinimum = OpenSslSecurityLevel >= 2 ? 2048 : 1024;
        return family switch
        {
            ClientFamily.OpenSsl when bits < openSslMinimum =>
                $"the server's DHE group is {bits} bits, below security level {OpenSslSecurityLevel}'s {openSslMinimum} (\"dh key too small\")",
            ClientFamily.DotNet when OperatingSystem.IsLinux() && bits < openSslMinimum =>
                $"the server's DHE group is {bits} bits, below the {openSslMinimum} bits of this machine's OpenSSL security level (\"dh key too small\")",
            ClientFamily.Java when bits < 1024 => $"the server's DHE group is {bits} bits (DH keySize < 1024 in jdk.tls.disabledAlgorithms)",
            ClientFamily.Browser => "browsers offer no finite-field DHE suites (Chrome 52, Firefox 78 removed them)",
            _ => null,
        };
    }

    /// <summary>Would this family's default ClientHello offer the suite (TLS 1.2 and below)?</summary>
    internal static bool OffersSuite(ClientFamily family, string suite)
    {
        if (!suite.Contains("_WITH_", StringComparison.Ordinal))
        {
            return true; // TLS 1.3 suites: every family offers AES-GCM and CHACHA20
        }
        var cipher = AesChacha.FirstOrDefault(c => suite.EndsWith(c, StringComparison.Ordinal));
        string[] exchanges = family switch
        {
            ClientFamily.DotNet => [],
            ClientFamily.OpenSsl => ["TLS_ECDHE_ECDSA", "TLS_ECDHE_RSA", "TLS_DHE_RSA", "TLS_RSA"],
            ClientFamily.Java => ["TLS_ECDHE_ECDSA", "TLS_ECDHE_RSA", "TLS_DHE_RSA", "TLS_DHE_DSS", "TLS_RSA"],
            _ => ["TLS_ECDHE_ECDSA", "TLS_ECDHE_RSA"],
        };
        if (family == ClientFamily.DotNet)
        {
            return !OperatingSystem.IsLinux() ? OffersSuite(ClientFamily.OpenSsl, suite) : DotNetLinuxSuites.Contains(suite, StringComparer.Ordinal);
        }
        if (cipher is null || !exchanges.Any(x => suite.StartsWith(x + "_WITH_", StringComparison.Ordinal)))
        {
            return false;
        }
        if (family == ClientFamily.Browser)
        {
            // Chromium offers ECDHE AES-CBC only with SHA-1 HMAC, and DHE/RSA key exchange not at all.
            return !cipher.Contains("CBC_SHA256", StringComparison.Ordinal) && !cipher.Contains("CBC_SHA384", StringComparison.Ordinal);
        }
        if (family == ClientFamily.OpenSsl && suite.StartsWith("TLS_RSA_", StringComparison.Ordinal) && cipher.Contains("CHACHA20", StringComparison.Ordinal))
        {
            return false;
        }
        return true;
    }

    private static int MinimumKeyBits(ClientFamily family, string algorithm) => KeyAndDigestRules.MinimumKeyBits(family, algorithm);

    /// <summary>"SHA-1" or "MD5" when the certificate's own signature uses that digest; null otherwise.</summary>
    internal static string? WeakDigest(X509Certificate2 certificate) => KeyAndDigestRules.WeakDigest(certificate);
}
