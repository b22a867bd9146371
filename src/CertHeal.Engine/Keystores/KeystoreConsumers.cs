using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Keystores;

/// <summary>
/// Certificates a keystore's consumer refuses although CertHeal reads them. Java (the consumer of
/// JKS and, mostly, PKCS#12 truststores) parses every certificate while it loads a keystore and
/// refuses the whole store over one it cannot parse (<see cref="JavaCertificateParser"/>: version
/// 1 or 2 certificates with extensions or unique identifiers where Java allows none, validity
/// times in forms its parser does not read), so such a certificate is Skipped for those formats
/// instead of written. A certificate with an extension twice or an extension that does not decode
/// is Skipped everywhere: Java refuses it and OpenSSL's verifier flags it invalid. A certificate
/// with non-canonical validity times (<see cref="NonCanonicalCertificate"/>) is the reverse of the
/// Java rules: Java reads the common forms, OpenSSL's verifier (the consumer of PEM bundles,
/// folders and DER files) fails any chain that reaches it, so it goes only into JKS and PKCS#12.
/// Every rule was found with the real consumer (keytool, JDK 17 CertificateFactory, `openssl
/// verify` 3.0); OddCertificateCorpusTests proves each refusal again.
/// </summary>
internal static class KeystoreConsumers
{
    /// <summary>The client families that read a store of this format as their trust store.</summary>
    public static IReadOnlyCollection<ClientFamily> Families(KeystoreFormat format) => format switch
    {
        KeystoreFormat.Jks => [ClientFamily.Java],
        KeystoreFormat.Pkcs12 => [ClientFamily.Java, ClientFamily.DotNet],
        KeystoreFormat.WindowsStore => [ClientFamily.DotNet, ClientFamily.Browser],
        KeystoreFormat.Nss => [ClientFamily.Browser],
        _ => [ClientFamily.OpenSsl],
    };

    public static string? Rejects(KeystoreFormat format, X509Certificate2 certificate)
    {
        var java = format is KeystoreFormat.Jks or KeystoreFormat.Pkcs12;
        if (DuplicateExtension(certificate) is { } duplicate)
        {
            // Verified: Java refuses it ("Duplicate extensions not allowed") and with it the whole
            // keystore; OpenSSL reads it but flags it invalid, so its verifier never trusts it.
            return $"a damaged certificate: it carries the {duplicate} extension twice, which Java refuses (\"Duplicate extensions not allowed\", and with it the whole keystore) and OpenSSL's verifier rejects as invalid; ask its issuer for an intact copy";
        }
        if (UndecodableExtension.Find(certificate) is { } problem)
        {
            // Verified: Java refuses the whole keystore when the extension is critical and keeps a
            // non-critical one unparsed; OpenSSL's verifier rejects the certificate either way.
            return $"a damaged certificate: {problem}, and {(java ? "Java refuses such a certificate (and the whole keystore) when the extension is critical" : "OpenSSL's verifier rejects it as invalid")}; ask its issuer for an intact copy";
        }
        if (java && JavaCertificateParser.Refuses(certificate) is { } refused)
        {
            return $"{refused}; Java would then fail to load the whole {format} keystore; merge it into a PEM bundle or folder for OpenSSL clients instead, or ask its issuer for a version 3 DER certificate";
        }
        if (!java && NonCanonicalCertificate.IsNonCanonical(certificate))
        {
            return format == KeystoreFormat.WindowsStore
                ? "a certificate with non-canonical (non-DER) validity times, which .NET's loader and so the Windows store refuse; ask its issuer for a DER-encoded certificate"
                : "a certificate with non-canonical (non-DER) validity times: `openssl x509` reads it but OpenSSL's verifier rejects it as a trust anchor (\"format error in certificate's notBefore field\"); merge it into a JKS or PKCS#12 keystore for Java clients, which read the common non-DER forms, or ask its issuer for a DER-encoded certificate";
        }
        return null;
    }

    /// <summary>The name of the first extension that occurs twice, or null.</summary>
    private static string? DuplicateExtension(X509Certificate2 certificate)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value is { } oid && !seen.Add(oid))
            {
                return extension.Oid.FriendlyName is { Length: > 0 } friendly ? $"{friendly} ({oid})" : oid;
            }
        }
        return null;
    }
}
