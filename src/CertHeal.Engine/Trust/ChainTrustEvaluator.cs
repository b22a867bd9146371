using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Trust;

/// <summary>
/// Judges a presented chain the way a strict client (Java, curl, OpenSSL) would: no AIA
/// downloads, no help from the user's CA cache, anchors only from the given set.
/// </summary>
internal static class ChainTrustEvaluator
{
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";

    public static TrustVerdict Evaluate(IReadOnlyList<X509Certificate2> presented, TrustAnchors anchors, DateTime nowUtc,
        IEnumerable<X509Certificate2>? extraIntermediates = null)
    {
        if (presented.Count == 0)
        {
            return new TrustVerdict(HandshakeFailure.Other, "the server sent no certificate", []);
        }
        using var chain = new X509Chain();
        Configure(chain.ChainPolicy, anchors, nowUtc);
        chain.ChainPolicy.ExtraStore.AddRange(presented.Skip(1).ToArray());
        chain.ChainPolicy.ExtraStore.AddRange(anchors.Intermediates);
        foreach (var extra in extraIntermediates ?? [])
        {
            chain.ChainPolicy.ExtraStore.Add(extra);
        }
        var built = chain.Build(presented[0]);
        return Judge(chain, built, presented, anchors, nowUtc, extraIntermediates);
    }

    /// <summary>
    /// The policy every verdict is built under: anchors only from the set, no downloads, no
    /// revocation, time judged per certificate later. The probe gives SslStream this policy too
    /// (with the set's intermediates in ExtraStore), so that its chain build is the verdict's.
    /// </summary>
    public static void Configure(X509ChainPolicy policy, TrustAnchors anchors, DateTime nowUtc)
    {
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(anchors.Roots);
        policy.DisableCertificateDownloads = true;
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.VerificationTime = nowUtc;
        // Time is judged below per certificate, so the path verdict is about the path only.
        policy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid | X509VerificationFlags.IgnoreCtlNotTimeValid;
    }

    /// <summary>
    /// The verdict from SslStream's own chain build in the validation callback, when it ran under
    /// <see cref="Configure"/>'s policy; null when it did not, and the caller builds the chain
    /// itself. SslStream adds the server-authentication usage to the policy: the verdict does not
    /// judge usage, so a chain where that usage check failed is built again without it.
    /// </summary>
    public static TrustVerdict? FromHandshakeChain(X509Chain chain, bool built, IReadOnlyList<X509Certificate2> presented, TrustAnchors anchors, DateTime nowUtc)
    {
        var policy = chain.ChainPolicy;
        if (presented.Count == 0 || chain.ChainElements.Count == 0 || policy.TrustMode != X509ChainTrustMode.CustomRootTrust
            || policy.ApplicationPolicy.Cast<System.Security.Cryptography.Oid>().Any(oid => oid.Value != ServerAuth) || policy.CertificatePolicy.Count > 0
            || policy.VerificationFlags != (X509VerificationFlags.IgnoreNotTimeValid | X509VerificationFlags.IgnoreCtlNotTimeValid)
            || !policy.DisableCertificateDownloads || policy.RevocationMode != X509RevocationMode.NoCheck
            || !chain.ChainElements[0].Certificate.RawDataMemory.Span.SequenceEqual(presented[0].RawDataMemory.Span)
            || chain.ChainElements.Any(e => e.ChainElementStatus.Any(status => status.Status == X509ChainStatusFlags.NotValidForUsage)))
        {
            return null;
        }
        return Judge(chain, built, presented, anchors, nowUtc, null);
    }

    private static TrustVerdict Judge(X509Chain chain, bool built, IReadOnlyList<X509Certificate2> presented, TrustAnchors anchors, DateTime nowUtc,
        IEnumerable<X509Certificate2>? extraIntermediates)
    {
        var leaf = presented[0];

        // The path is told in the caller's own certificate objects (the chain's die with it);
        // parsing a copy of each element cost as much as the build itself. An element that
        // neither the server sent nor the anchors hold came from a local cache (on Linux, the CA
        // store AIA downloads fill): strict clients do not have it, so the path stops before it.
        var known = presented.Concat(anchors.Roots.Cast<X509Certificate2>()).Concat(anchors.Intermediates.Cast<X509Certificate2>())
            .Concat(extraIntermediates ?? []).ToList();
        var path = new List<X509Certificate2>(chain.ChainElements.Count);
        foreach (var element in chain.ChainElements)
        {
            var raw = element.Certificate.RawDataMemory;
            var own = known.Find(k => k.RawDataMemory.Span.SequenceEqual(raw.Span));
            if (own is null && path.Count > 0)
            {
                built = false;
                break;
            }
            path.Add(own ?? new X509Certificate2(raw.Span));
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
