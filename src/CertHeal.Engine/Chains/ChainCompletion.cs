using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Chains;

/// <summary>A presented chain, flagged as sent, plus the certificates that complete its path.</summary>
internal sealed class ChainCompletion
{
    /// <summary>Presented certificates in sent order, then the completing ones in path order.</summary>
    public List<(X509Certificate2 Certificate, CertificateSource Source, string? Note, CertificateStatus? Flag)> Certificates { get; } = [];

    /// <summary>The path from the leaf up, as far as it could be built.</summary>
    public List<X509Certificate2> Path { get; } = [];

    /// <summary>True when the path ends in a certificate of the trust anchors.</summary>
    public bool ReachesTrustedRoot { get; set; }

    /// <summary>True when the path ends in a self-signed certificate (trusted or not).</summary>
    public bool ReachesRoot { get; set; }

    /// <summary>Why AIA did not help, one clause per failed URL (for Reason and verbose output).</summary>
    public List<string> AiaProblems { get; } = [];

    public int AiaFetches { get; set; }
}
