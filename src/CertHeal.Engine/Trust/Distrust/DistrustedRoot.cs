namespace CertHeal.Trust.Distrust;

/// <summary>What a root program compares with its distrust-after date.</summary>
internal enum DistrustBasis
{
    /// <summary>The leaf's notBefore (the JDK's CA distrust policies, Mozilla's server distrust-after).</summary>
    NotBefore,

    /// <summary>The earliest SCT embedded in the leaf (Chrome's sct_not_after_sec); the leaf's notBefore when it has none.</summary>
    EarliestSct,
}

/// <summary>
/// A root that one root program distrusts for TLS server certificates issued after a date. The root
/// stays trusted for older leaves, so the rule is applied per chain and only for <see cref="Family"/>.
/// </summary>
/// <param name="Program">Whose rule ("JDK", "Chrome").</param>
/// <param name="CertificateSha256">SHA-256 of the root's DER, upper-case hex (how both programs name it).</param>
/// <param name="DistrustAfterUtc">The last instant a leaf may be issued (by <see cref="Basis"/>) and still be trusted.</param>
internal sealed record DistrustedRoot(string Program, ClientFamily Family, string CertificateSha256, DateTime DistrustAfterUtc,
    DistrustBasis Basis, string Subject, string Source);
