using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Trust.Distrust;

/// <summary>
/// Distrust in a built path, first in the verdict's precedence (no heal, consent or pin undoes it):
/// <list type="bullet">
/// <item>A blocked key anywhere in the path (Chromium's SPKI blocklist, matched on the key, not the
/// certificate). Chromium refuses such a path outright; CertHeal refuses it for every family, since
/// a key whose private half is public makes any trust in it an open door (OpenSSL, Java and .NET
/// themselves know no blocklist and would accept the path if the certificate were an anchor).</item>
/// <item>A root a program distrusts after a date, when the leaf was issued after it, for that
/// program's family only: Java by the leaf's notBefore (the JDK's caDistrustPolicies compare its
/// UTC date), Chrome by the earliest embedded SCT (sct_not_after_sec), falling back to notBefore
/// when the leaf carries no SCT list, and saying so. Only server certificates: the JDK checks the
/// TLS-server variant, and Chrome's constraints apply to server authentication.</item>
/// </list>
/// </summary>
internal static class DistrustRules
{
    public static IEnumerable<PathProblem> Judge(IReadOnlyList<X509Certificate2> path, bool clientCertificate)
    {
        var list = DistrustList.Current;
        for (var i = 0; i < path.Count; i++)
        {
            if (list.Blocked(path[i]) is { } blocked)
            {
                yield return new PathProblem(HandshakeFailure.Distrusted, VerdictCheck.Distrust,
                    $"'{PathRules.Describe(path[i])}' {blocked.Describe()}", TrustAnchors.AllFamilies);
            }
        }
        if (clientCertificate || path.Count < 2)
        {
            yield break;
        }
        var leaf = path[0];
        for (var i = 1; i < path.Count; i++)
        {
            foreach (var rule in list.DistrustOf(path[i]))
            {
                var (issued, how) = IssuedAt(leaf, rule.Basis);
                if (issued > rule.DistrustAfterUtc)
                {
                    yield return new PathProblem(HandshakeFailure.Distrusted, VerdictCheck.Distrust,
                        $"the server's certificate '{PathRules.Describe(leaf)}' was issued {issued:yyyy-MM-dd HH:mm} UTC ({how}), after {rule.DistrustAfterUtc:yyyy-MM-dd}, "
                        + $"the date after which {rule.Program} distrusts TLS server certificates under '{PathRules.Describe(path[i])}' ({rule.Source})",
                        [rule.Family]);
                }
            }
        }
    }

    /// <summary>When the leaf counts as issued for a rule, and how that was read.</summary>
    internal static (DateTime Issued, string How) IssuedAt(X509Certificate2 leaf, DistrustBasis basis)
    {
        var notBefore = leaf.NotBefore.ToUniversalTime();
        if (basis == DistrustBasis.NotBefore)
        {
            return (notBefore, "its notBefore");
        }
        return EmbeddedScts.Earliest(leaf) is { } sct
            ? (sct, "its earliest embedded SCT")
            : (notBefore, "it has no embedded SCT list, so its notBefore is used");
    }

    /// <summary>The certificates among <paramref name="candidates"/> that carry a blocked key: computed once per merge, since every incoming certificate is checked against them.</summary>
    public static List<(X509Certificate2 Certificate, BlockedKey Key)> BlockedAmong(IEnumerable<X509Certificate2> candidates)
    {
        var list = DistrustList.Current;
        return list.BlockedKeys.Count == 0 ? [] : [.. candidates.Select(c => (c, list.Blocked(c))).Where(p => p.Item2 is not null).Select(p => (p.c, p.Item2!))];
    }

    /// <summary>Why a certificate must never be written to a keystore, or null: its own key is blocked, or it is signed by one of <paramref name="blockedIssuers"/>.</summary>
    public static string? RefuseToWrite(X509Certificate2 certificate, Func<IReadOnlyList<(X509Certificate2 Certificate, BlockedKey Key)>> blockedIssuers)
    {
        if (DistrustList.Current.Blocked(certificate) is { } blocked)
        {
            return $"never written: it {blocked.Describe()} (no policy, pinned fingerprint, forcing or approval overrides this)";
        }
        if (CertificateFacts.IsSelfSigned(certificate))
        {
            return null;
        }
        foreach (var (issuer, key) in blockedIssuers())
        {
            if (CertificateFacts.IsSignedBy(certificate, issuer))
            {
                return $"never written: it is signed by '{PathRules.Describe(issuer)}', which {key.Describe()}";
            }
        }
        return null;
    }
}
