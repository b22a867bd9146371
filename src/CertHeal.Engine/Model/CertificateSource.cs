namespace CertHeal;

/// <summary>Where a certificate in a chain came from: the server, an AIA fetch, or a local store.</summary>
public enum CertificateSource
{
    Presented,
    Aia,
    Keystore,
    System,
}
