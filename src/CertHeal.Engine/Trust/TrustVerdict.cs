using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Trust;

/// <summary>One reason a chain fails, with the client families that reject it for that reason.</summary>
internal sealed record PathProblem(HandshakeFailure Failure, VerdictCheck Check, string Reason, IReadOnlyCollection<ClientFamily> Families);

/// <summary>
/// What the trust evaluation of one presented chain concluded: every problem found, each with
/// the families that reject for it (in the order of precedence README "What the probe reports"
/// states), and the overall verdict: the first problem any family that uses the trust store
/// rejects for.
/// </summary>
internal sealed record TrustVerdict(HandshakeFailure Failure, string Detail, IReadOnlyList<X509Certificate2> Path)
{
    public bool Trusted => Failure == HandshakeFailure.None;

    /// <summary>The certificate that needs an issuer (IncompleteChain) or the untrusted top (UntrustedRoot).</summary>
    public X509Certificate2? Top => Path.Count > 0 ? Path[^1] : null;

    public IReadOnlyList<PathProblem> Problems { get; init; } = [];

    /// <summary>Revocation answers per <see cref="Path"/> element (same order); empty when not checked.</summary>
    public IReadOnlyList<Revocation.CertificateRevocation> Revocation { get; init; } = [];

    /// <summary>The problems one family rejects the chain for, most important first.</summary>
    public IEnumerable<PathProblem> ProblemsFor(ClientFamily family) => Problems.Where(p => p.Families.Contains(family));
}
