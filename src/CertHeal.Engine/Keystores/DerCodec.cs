using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Keystores;

/// <summary>One DER certificate: a keystore of exactly one entry.</summary>
internal sealed class DerCodec : IKeystoreCodec
{
    public KeystoreFormat Format => KeystoreFormat.Der;

    public Keystore Read(byte[] bytes, string path, KeystorePassword? password)
    {
        var keystore = new Keystore { Path = path, Format = Format };
        if (bytes.Length == 0)
        {
            return keystore;
        }
        try
        {
            var certificate = NonCanonicalCertificate.Load(bytes);
            if (!NonCanonicalCertificate.Same(certificate, bytes))
            {
                // The loader also accepts PKCS#7 and PKCS#12; a DER keystore is exactly one certificate.
                throw new KeystoreException(KeystoreErrorKind.Corrupt, path,
                    $"The keystore '{path}' is not a single DER certificate ({KeystoreFormats.Describe(bytes)}); check the file or ", RemedyKind.GiveFormat);
            }
            keystore.Entries.Add(new KeystoreEntry
            {
                Alias = KeystoreAliases.Derive(certificate, new HashSet<string>()),
                EntryType = KeystoreEntryType.TrustedCertificate,
                Certificate = certificate,
            });
            return keystore;
        }
        catch (CryptographicException e)
        {
            throw new KeystoreException(KeystoreErrorKind.Corrupt, path, $"The keystore '{path}' is not a DER certificate ({KeystoreFormats.Describe(bytes)}); check the file or ", RemedyKind.GiveFormat, e);
        }
    }

    public byte[] Write(Keystore keystore, KeystorePassword? password)
    {
        var certificates = keystore.TrustedEntries.ToList();
        if (certificates.Count > 1)
        {
            throw new KeystoreException(KeystoreErrorKind.Unsupported, keystore.Path,
                $"The keystore '{keystore.Path}' is a single DER certificate and cannot hold {certificates.Count} certificates; merge into a PEM bundle (.pem) instead.");
        }
        return certificates.Count == 0 ? [] : NonCanonicalCertificate.Der(certificates[0].Certificate!);
    }
}
