using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Keystores;

/// <summary>
/// Certificates a keystore's consumer refuses although .NET and OpenSSL read them. Java (the
/// consumer of JKS and, mostly, PKCS#12 truststores) refuses to load a whole keystore that
/// holds a version 1 or 2 certificate with extensions ("Extensions not allowed in v2
/// certificate"), so such a certificate is Skipped for those formats instead of written. A
/// certificate with non-canonical validity times (<see cref="NonCanonicalCertificate"/>) is the
/// reverse: Java accepts it, OpenSSL's verifier (the consumer of PEM bundles, folders and DER
/// files) fails any chain that reaches it, so it goes only into JKS and PKCS#12.
/// </summary>
internal static class KeystoreConsumers
{
    /// <summary>The client families that read a store of this format as their trust store.</summary>
    public static IReadOnlyCollection<ClientFamily> Families(KeystoreFormat format) => format switch
    {
        KeystoreFormat.Jks => [ClientFamily.Java],
        KeystoreFormat.Pkcs12 => [ClientFamily.Java, ClientFamily.DotNet],
        KeystoreFormat.WindowsStore => [ClientFamily.DotNet, ClientFamily.Browser],
        _ => [ClientFamily.OpenSsl],
    };

    public static string? Rejects(KeystoreFormat format, X509Certificate2 certificate)
    {
        if (UndecodableExtension.Find(certificate) is { } problem)
        {
            return $"a damaged certificate: {problem}, and {(format is KeystoreFormat.Jks or KeystoreFormat.Pkcs12 ? "Java would then refuse the whole keystore" : "its clients' decoder refuses it")}; ask its issuer for an intact copy";
        }
        if (format is KeystoreFormat.Jks or KeystoreFormat.Pkcs12 && certificate.Version < 3 && certificate.Extensions.Count > 0)
        {
            return $"a version {certificate.Version} certificate with extensions, which Java refuses (it would then fail to load the whole {format} keystore); merge it into a PEM bundle or folder for OpenSSL clients instead";
        }
        if (format is not (KeystoreFormat.Jks or KeystoreFormat.Pkcs12) && NonCanonicalCertificate.IsNonCanonical(certificate))
        {
            return format == KeystoreFormat.WindowsStore
                ? "a certificate with non-canonical (non-DER) validity times, which .NET's loader and so the Windows store refuse; ask its issuer for a DER-encoded certificate"
                : "a certificate with non-canonical (non-DER) validity times: `openssl x509` reads it but OpenSSL's verifier rejects it as a trust anchor (\"format error in certificate's notBefore field\"); merge it into a JKS or PKCS#12 keystore for Java clients, which accept it, or ask its issuer for a DER-encoded certificate";
        }
        return null;
    }
}
