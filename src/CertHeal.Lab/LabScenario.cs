namespace CertHeal.Lab;

/// <summary>The failures (and the one success) every client-side TLS tool must tell apart.</summary>
public enum LabScenario
{
    GoodChain,
    LeafOnly,
    UntrustedRoot,
    SelfSigned,
    Expired,
    NotYetValid,
    NameMismatch,
    ClientCertificateRequired,
    Tls12Only,
    Tls13Only,
    PlainHttp,
    ClosedPort,
    Silent,
}
