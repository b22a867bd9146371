using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Keystores;

/// <summary>
/// Certificates a keystore's consumer refuses although .NET and OpenSSL read them. Java (the
/// consumer of JKS and, mostly, PKCS#12 truststores) refuses to load a whole keystore that
/// holds a version 1 or 2 certificate with extensions ("Extensions not allowed in v2
/// certificate"), so such a certificate is Skipped for those formats instead of written.
/// </summary>
internal static class KeystoreConsumers
{
    public static string? Rejects(KeystoreFormat format, X509Certificate2 certificate)
    {
        if (format is KeystoreFormat.Jks or KeystoreFormat.Pkcs12 && certificate.Version < 3 && certificate.Extensions.Count > 0)
        {
            return $"a version {certificate.Version} certificate with extensions, which Java refuses (it would then fail to load the whole {format} keystore); merge it into a PEM bundle or folder for OpenSSL clients instead";
        }
        return null;
    }
}
