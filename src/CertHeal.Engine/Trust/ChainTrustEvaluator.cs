using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Trust;

/// <summary>
/// Judges a presented chain the way a strict client (Java, curl, OpenSSL) would: no AIA
/// downloads, no help from the user's CA cache, anchors only from the given set.
/// </summary>
internal static class ChainTrustEvaluator
{
    public static TrustVerdict Evaluate(IReadOnlyList<X509Certificate2> presented, TrustAnchors anchors, DateTime nowUtc,
        IEnumerable<X509Certificate2>? extraIntermediates = null)
    {
        if (presented.Count == 0)
        {
            return new TrustVerdict(HandshakeFailure.Other, "the server sent no certificate", []);
        }
        var leaf = presented[0];
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(anchors.Roots);
        policy.ExtraStore.AddRange(presented.Skip(1).ToArray());
        policy.ExtraStore.AddRange(anchors.Intermediates);
        foreach (var extra in extraIntermediates ?? [])
        {
            policy.ExtraStore.Add(extra);
        }
        policy.DisableCertificateDownloads = true;
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.VerificationTime = nowUtc;
        // Time is judged below per certificate, so the path verdict is about the path only.
        policy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid | X509VerificationFlags.IgnoreCtlNotTimeValid;

        var built = chain.Build(leaf);
        var path = chain.ChainElements.Cast<X509ChainElement>().Select(e => new X509Certificate2(e.Certificate.RawDataMemory.Span)).ToList();

        // An element that neither the server sent nor the anchors hold came from a local cache
        // (on Linux, the CA store AIA downloads fill): strict clients do not have it.
        var known = presented.Concat(anchors.Roots.Cast<X509Certificate2>()).Concat(anchors.Intermediates.Cast<X509Certificate2>())
            .Concat(extraIntermediates ?? []).ToList();
        var firstForeign = path.FindIndex(c => !known.Any(k => k.RawDataMemory.Span.SequenceEqual(c.RawDataMemory.Span)));
        if (firstForeign > 0)
        {
            path = path.Take(firstForeign).ToList();
            built = false;
        }

        var timeProblem = TimeProblem(path.Count > 0 ? path : [leaf], nowUtc);

        // A trusted self-signed leaf or a leaf that is itself an anchor entry (Java's pinned
        // trustedCertEntry) is trusted as it is.
        // A keystore entry that is not self-signed is still an anchor when the path reaches it
        // (Java's trustedCertEntry; curl and OpenSSL with partial-chain trust).
        var leafIsAnchor = path.Any(anchors.Contains) || anchors.Contains(leaf);
        if (!built && !leafIsAnchor)
        {
            var top = path.Count > 0 ? path[^1] : leaf;
            var statuses = chain.ChainElements.Cast<X509ChainElement>().SelectMany(e => e.ChainElementStatus).Select(s => s.Status).ToList();
            if (statuses.Contains(X509ChainStatusFlags.NotSignatureValid))
            {
                return new TrustVerdict(HandshakeFailure.Other, "a signature in the presented chain does not verify", path);
            }
            if (statuses.Contains(X509ChainStatusFlags.Revoked))
            {
                return new TrustVerdict(HandshakeFailure.Revoked, "a certificate in the chain is revoked", path);
            }
            if (timeProblem is not null)
            {
                return timeProblem with { Path = path };
            }
            if (CertificateFacts.IsSelfSigned(top))
            {
                return path.Count == 1
                    ? new TrustVerdict(HandshakeFailure.SelfSigned, $"the server's certificate '{top.Subject}' is self-signed and not in the trust store", path)
                    : new TrustVerdict(HandshakeFailure.UntrustedRoot, $"the chain ends in the root '{top.Subject}', which is not in the trust store", path);
            }
            return new TrustVerdict(HandshakeFailure.IncompleteChain,
                $"the server did not send the issuer of '{top.Subject}' ('{top.Issuer}') and the trust store does not hold it", path);
        }
        return timeProblem is not null ? timeProblem with { Path = path } : new TrustVerdict(HandshakeFailure.None, "", path);
    }

    private static TrustVerdict? TimeProblem(IReadOnlyList<X509Certificate2> path, DateTime nowUtc)
    {
        foreach (var certificate in path)
        {
            var which = ReferenceEquals(certificate, path[0]) ? "the server's certificate" : "the certificate";
            if (nowUtc > certificate.NotAfter.ToUniversalTime())
            {
                return new TrustVerdict(HandshakeFailure.Expired,
                    $"{which} '{certificate.Subject}' expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC", path);
            }
            if (nowUtc < certificate.NotBefore.ToUniversalTime())
            {
                return new TrustVerdict(HandshakeFailure.NotYetValid,
                    $"{which} '{certificate.Subject}' is not valid before {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC", path);
            }
        }
        return null;
    }
}
