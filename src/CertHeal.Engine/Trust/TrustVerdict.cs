using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Trust;

/// <summary>What the trust evaluation of one presented chain concluded.</summary>
internal sealed record TrustVerdict(HandshakeFailure Failure, string Detail, IReadOnlyList<X509Certificate2> Path)
{
    public bool Trusted => Failure == HandshakeFailure.None;

    /// <summary>The certificate that needs an issuer (IncompleteChain) or the untrusted top (UntrustedRoot).</summary>
    public X509Certificate2? Top => Path.Count > 0 ? Path[^1] : null;
}
