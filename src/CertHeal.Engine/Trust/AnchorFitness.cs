using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Trust;

/// <summary>
/// The no-weakening rule: whether a certificate may become an entry of a trust store, where it
/// acts as an anchor (every trustedCertEntry for Java; every CA-file and folder entry for curl,
/// whose partial-chain trust is its default since 7.68). A client stops checking at its anchor,
/// so an entry must itself pass what the strictest client would have checked above it: its own
/// signature by its issuer (digest), its key, its issuers' validity, and the path rules
/// (constraints, path length, name constraints, unknown critical extensions, malformed fields,
/// signatures) along every path through it that the merge heals. Usage (EKU) is not judged
/// here: OpenSSL checks an anchor's EKU itself, Java never checks a CA's, and .NET anchors only
/// at self-signed roots, so an entry cannot hide a usage violation.
/// </summary>
internal static class AnchorFitness
{
    /// <summary>The path checks an anchor would stop clients from making (PathRules' problems).</summary>
    private static readonly VerdictCheck[] HiddenByAnchor = [VerdictCheck.Constraint, VerdictCheck.CriticalExtension, VerdictCheck.Malformed];

    /// <summary>
    /// Why <paramref name="candidate"/> must not be written, judged on one path through it (as
    /// ChainTrustEvaluator built it); null when that path gives no reason.
    /// </summary>
    public static string? Unfit(X509Certificate2 candidate, TrustVerdict path, DateTime nowUtc)
    {
        var index = IndexOf(path.Path, candidate);
        if (index < 0)
        {
            return null;
        }
        foreach (var problem in path.Problems)
        {
            // A signature that does not verify comes as Failure Other (PathRules); the rest by check.
            if (HiddenByAnchor.Contains(problem.Check) || (problem.Check == VerdictCheck.Other && problem.Failure == HandshakeFailure.Other))
            {
                return index == 0 ? problem.Reason : $"on the path it would anchor, {problem.Reason}";
            }
        }
        for (var i = index; i < path.Path.Count; i++)
        {
            var certificate = path.Path[i];
            if (KeyAndDigestRules.StrictestRejection(certificate) is { } weak)
            {
                return i == index ? weak : $"above it, {weak}";
            }
            // The candidate's own dates are the policy's first check; an issuer's dates stop
            // mattering to Java once the candidate is its anchor.
            if (i > index && (nowUtc > certificate.NotAfter.ToUniversalTime() || nowUtc < certificate.NotBefore.ToUniversalTime()))
            {
                return $"above it, '{PathRules.Describe(certificate)}' is not valid now (valid {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd} to {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd})";
            }
        }
        return null;
    }

    public static int IndexOf(IReadOnlyList<X509Certificate2> path, X509Certificate2 certificate)
    {
        for (var i = 0; i < path.Count; i++)
        {
            if (path[i].RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span))
            {
                return i;
            }
        }
        return -1;
    }
}
