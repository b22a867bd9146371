namespace CertHeal;

/// <summary>The one check that decided a ClientVerdict (None when the client accepts).</summary>
public enum VerdictCheck
{
    None,
    Protocol,
    CipherSuite,
    KeySize,
    SignatureAlgorithm,
    IncompleteChain,
    UntrustedRoot,
    Validity,
    Name,
    Other,
}
