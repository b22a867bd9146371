using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Keystores;

namespace CertHeal.Handshake;

/// <summary>
/// A client certificate for mutual TLS from a file: PEM with its private key in the same file
/// (the key may be encrypted), or PKCS#12. The key stays in memory only (ephemeral).
/// </summary>
public static class ClientCertificateFile
{
    public static X509Certificate2 Load(string path, KeystorePassword? password)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"The client certificate file '{full}' does not exist.", full);
        }
        try
        {
            var head = File.ReadAllBytes(full);
            var isPem = head.Length > 0 && System.Text.Encoding.ASCII.GetString(head, 0, Math.Min(head.Length, 4096)).Contains("-----BEGIN", StringComparison.Ordinal);
            X509Certificate2 certificate;
            if (isPem)
            {
                certificate = password is null
                    ? X509Certificate2.CreateFromPemFile(full)
                    : X509Certificate2.CreateFromEncryptedPemFile(full, password.Span);
            }
            else
            {
                certificate = new X509Certificate2(head, password is null ? null : new string(password.Span), X509KeyStorageFlags.EphemeralKeySet);
            }
            if (!certificate.HasPrivateKey)
            {
                throw new InvalidDataException($"The client certificate file '{full}' has no private key; give a PEM file with the certificate and its key, or a PKCS#12 file.");
            }
            return certificate;
        }
        catch (CryptographicException e)
        {
            throw new InvalidDataException($"The client certificate file '{full}' could not be read ({e.Message.TrimEnd('.')}); give a PEM file with the certificate and its key, or a PKCS#12 file with its password.", e);
        }
    }
}
