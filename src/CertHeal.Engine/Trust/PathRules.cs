using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Trust;

/// <summary>
/// The RFC 5280 path rules each client family applies to a built path, and where each family's
/// path ends. The platform's chain engine (OpenSSL's X509_verify_cert underneath .NET on Linux)
/// already reports signatures, basic constraints, path length, keyCertSign, name constraints and
/// unknown critical extensions per element (X509ChainStatus); this class decides which of those
/// each family enforces (its anchor, and whether it judges the anchor itself) and adds what the
/// platform does not judge: server key usage and extended key usage, validity per family,
/// malformed fields, and the path's end.
/// <list type="bullet">
/// <item>Anchors. .NET (CustomRootTrust) ends a path only at a self-signed root of the store.
/// OpenSSL as curl uses it (X509_V_FLAG_PARTIAL_CHAIN, curl's default since 7.68) and Java
/// (PKIXValidator: every trustedCertEntry) end it at the first certificate of the store met from
/// the leaf up. OpenSSL judges its anchor like any other certificate (constraints, name
/// constraints, usage, validity, critical extensions); Java judges nothing of its anchor
/// (sun.security.provider.certpath: a TrustAnchor's constraints and validity are not checked,
/// and anchor name constraints are not used), and a leaf that is itself an anchor is accepted
/// without path checks (PKIXValidator.engineValidate).</item>
/// <item>Server usage. OpenSSL (-purpose sslserver, which curl and s_client apply):
/// a leaf with extendedKeyUsage needs serverAuth (anyExtendedKeyUsage does not do), a leaf with
/// keyUsage needs digitalSignature, keyEncipherment or keyAgreement, and every CA up to the anchor
/// with extendedKeyUsage needs serverAuth (check_purpose_ssl_server). .NET (SslStream's
/// serverAuth application policy) the same for extended key usage, and no key usage check on the
/// leaf. Java (EndEntityChecker, TLS server): serverAuth or anyExtendedKeyUsage, digitalSignature
/// for ECDHE key exchange; CA extended key usage is not checked. Browsers (Chromium
/// cert_verify_proc): serverAuth on the leaf, serverAuth or anyExtendedKeyUsage on CAs,
/// digitalSignature in key usage.</item>
/// <item>Malformed fields. Java's parser refuses an empty issuer name ("Empty issuer DN not
/// allowed in X509Certificates"), and so does curl after OpenSSL verified the chain (lib/vtls/openssl.c:
/// "couldn't get X509-issuer name"; `openssl verify` and s_client accept it: the family follows
/// curl, the stricter); Chromium's parser refuses serial numbers longer than 20 octets
/// (RFC 5280 4.1.2.2). .NET accepts both; negative serials every family accepts.</item>
/// </list>
/// </summary>
internal static class PathRules
{
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";
    private const string AnyEku = "2.5.29.37.0";
    private const string NetscapeSgc = "2.16.840.1.113730.4.1";
    private const string MicrosoftSgc = "1.3.6.1.4.1.311.10.3.3";
    private const string NameConstraintsOid = "2.5.29.30";

    private static readonly ClientFamily[] Families = TrustAnchors.AllFamilies;

    /// <param name="statuses">The platform's status flags per path element (same length as <paramref name="path"/>).</param>
    /// <param name="complete">False when the platform could not build further than the path (no issuer found).</param>
    /// <param name="clientCertificate">Judge the usage of a client certificate's chain (clientAuth) instead of a server's.</param>
    public static List<PathProblem> Judge(IReadOnlyList<X509Certificate2> path, IReadOnlyList<X509ChainStatusFlags> statuses,
        TrustAnchors anchors, DateTime nowUtc, bool complete, bool clientCertificate = false)
    {
        var partialAnchor = -1;
        for (var i = 0; i < path.Count && partialAnchor < 0; i++)
        {
            if (anchors.Contains(path[i]))
            {
                partialAnchor = i;
            }
        }
        var rootAnchor = path.Count > 0 && complete && CertificateFacts.IsSelfSigned(path[^1]) && anchors.Roots.Cast<X509Certificate2>()
            .Any(r => r.RawDataMemory.Span.SequenceEqual(path[^1].RawDataMemory.Span)) ? path.Count - 1 : -1;
        int AnchorOf(ClientFamily family) => family == ClientFamily.DotNet ? rootAnchor : partialAnchor;
        // The last path index whose own properties the family judges.
        int LimitOf(ClientFamily family)
        {
            var anchor = AnchorOf(family);
            return anchor < 0 ? path.Count - 1 : family == ClientFamily.Java ? anchor - 1 : anchor;
        }

        var problems = new List<PathProblem>();
        void Add(HandshakeFailure failure, VerdictCheck check, string reason, IEnumerable<ClientFamily> families)
        {
            var list = families.ToArray();
            if (list.Length > 0)
            {
                problems.Add(new PathProblem(failure, check, reason, list));
            }
        }

        // Blocked keys and distrust-after dates (Distrust/DistrustRules.cs): first in precedence.
        problems.AddRange(Distrust.DistrustRules.Judge(path, clientCertificate));

        // Malformed fields: parsers refuse the certificate whatever the path.
        foreach (var certificate in path)
        {
            if (certificate.IssuerName.RawData.Length <= 2)
            {
                Add(HandshakeFailure.MalformedCertificate, VerdictCheck.Malformed,
                    $"'{Describe(certificate)}' has an empty issuer name, which RFC 5280 4.1.2.4 forbids (Java: \"Empty issuer DN not allowed\"; curl: \"couldn't get X509-issuer name\")",
                    [ClientFamily.Java, ClientFamily.Browser, ClientFamily.OpenSsl]);
            }
            var serial = certificate.SerialNumberBytes.Length;
            if (serial > 20)
            {
                Add(HandshakeFailure.MalformedCertificate, VerdictCheck.Malformed,
                    $"'{Describe(certificate)}' has a {serial}-octet serial number; RFC 5280 4.1.2.2 allows at most 20 (Chromium refuses longer ones)",
                    [ClientFamily.Browser]);
            }
        }

        // What the platform's chain engine found, per element, scoped to each family's path.
        for (var e = 0; e < path.Count; e++)
        {
            var flags = statuses[e];
            var certificate = path[e];
            // A self-issued top's own signature is checked by no client (OpenSSL without
            // X509_V_FLAG_CHECK_SS_SIGNATURE, Java's TrustAnchor): a root re-encoded by the
            // platform (non-canonical times) must not count as a bad signature.
            var selfIssuedTop = e == path.Count - 1 && certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);
            if ((flags & X509ChainStatusFlags.NotSignatureValid) != 0 && !selfIssuedTop)
            {
                Add(HandshakeFailure.Other, VerdictCheck.Other, $"the signature on '{Describe(certificate)}' does not verify with its issuer's key",
                    Families.Where(f => AnchorOf(f) < 0 || e < AnchorOf(f)));
            }
            if ((flags & X509ChainStatusFlags.HasNotSupportedCriticalExtension) != 0)
            {
                Add(HandshakeFailure.UnsupportedCriticalExtension, VerdictCheck.CriticalExtension,
                    $"'{Describe(certificate)}' has a critical extension clients do not know ({UnknownCritical(certificate)}), so RFC 5280 4.2 makes them reject it",
                    Families.Where(f => e <= LimitOf(f)));
            }
            if ((flags & X509ChainStatusFlags.InvalidBasicConstraints) != 0)
            {
                Add(HandshakeFailure.ConstraintViolation, VerdictCheck.Constraint, BasicConstraintsReason(path, e),
                    Families.Where(f => e <= LimitOf(f)));
            }
            const X509ChainStatusFlags nameFlags = X509ChainStatusFlags.HasNotPermittedNameConstraint | X509ChainStatusFlags.HasExcludedNameConstraint
                | X509ChainStatusFlags.HasNotSupportedNameConstraint | X509ChainStatusFlags.HasNotDefinedNameConstraint | X509ChainStatusFlags.InvalidNameConstraints;
            if ((flags & nameFlags) != 0)
            {
                var constrainedBy = Enumerable.Range(e + 1, Math.Max(0, path.Count - e - 1)).Where(j => path[j].Extensions[NameConstraintsOid] is not null).ToList();
                var by = constrainedBy.Count > 0 ? $"the name constraints of '{Describe(path[constrainedBy[0]])}'" : "a CA's name constraints";
                var what = (flags & X509ChainStatusFlags.HasExcludedNameConstraint) != 0 ? "a name they exclude" : "a name outside what they permit";
                Add(HandshakeFailure.ConstraintViolation, VerdictCheck.Constraint,
                    $"'{Describe(certificate)}' carries {what}: it violates {by} (RFC 5280 4.2.1.10)",
                    Families.Where(f => constrainedBy.Any(j => j <= LimitOf(f))));
            }
            const X509ChainStatusFlags otherFlags = X509ChainStatusFlags.InvalidPolicyConstraints | X509ChainStatusFlags.NoIssuanceChainPolicy
                | X509ChainStatusFlags.InvalidExtension | X509ChainStatusFlags.ExplicitDistrust;
            if ((flags & otherFlags) != 0)
            {
                var malformed = (flags & X509ChainStatusFlags.InvalidExtension) != 0;
                Add(malformed ? HandshakeFailure.MalformedCertificate : HandshakeFailure.ConstraintViolation, malformed ? VerdictCheck.Malformed : VerdictCheck.Constraint,
                    $"'{Describe(certificate)}' fails the platform's path check ({flags & otherFlags})", Families.Where(f => e <= LimitOf(f)));
            }
        }

        UsageProblems(path, LimitOf, Add, clientCertificate ? ClientAuth : ServerAuth);

        // Validity of every certificate a family judges (the anchor too, except for Java).
        foreach (var family in Families)
        {
            for (var i = 0; i <= LimitOf(family); i++)
            {
                var certificate = path[i];
                var which = i == 0 ? "the server's certificate" : "the certificate";
                if (nowUtc > certificate.NotAfter.ToUniversalTime())
                {
                    Add(HandshakeFailure.Expired, VerdictCheck.Validity,
                        $"{which} '{Describe(certificate)}' expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC", [family]);
                    break;
                }
                if (nowUtc < certificate.NotBefore.ToUniversalTime())
                {
                    Add(HandshakeFailure.NotYetValid, VerdictCheck.Validity,
                        $"{which} '{Describe(certificate)}' is not valid before {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC", [family]);
                    break;
                }
            }
        }

        // The path's end.
        foreach (var family in Families)
        {
            if (AnchorOf(family) >= 0)
            {
                continue;
            }
            var top = path.Count > 0 ? path[^1] : null;
            if (top is null)
            {
                continue;
            }
            if (family == ClientFamily.DotNet && partialAnchor >= 0)
            {
                Add(HandshakeFailure.IncompleteChain, VerdictCheck.IncompleteChain,
                    $"the trust store holds '{Describe(path[partialAnchor])}' but not the root above it, and .NET trusts a path only when it ends at a root of its store", [family]);
            }
            else if (CertificateFacts.IsSelfSigned(top))
            {
                Add(path.Count == 1 ? HandshakeFailure.SelfSigned : HandshakeFailure.UntrustedRoot, VerdictCheck.UntrustedRoot, path.Count == 1
                    ? $"the server's certificate '{Describe(top)}' is self-signed and not in the trust store"
                    : $"the chain ends in the root '{Describe(top)}', which is not in the trust store", [family]);
            }
            else
            {
                Add(HandshakeFailure.IncompleteChain, VerdictCheck.IncompleteChain,
                    $"the server did not send the issuer of '{Describe(top)}' ('{top.Issuer}') and the trust store does not hold it", [family]);
            }
        }

        return Ordered(problems);
    }

    /// <summary>
    /// Usage for the TLS role <paramref name="purpose"/> names (serverAuth or clientAuth): OpenSSL's
    /// check_purpose_ssl_server / check_purpose_ssl_client (a client key needs digitalSignature or
    /// keyAgreement), SslStream's application policy, Java's EndEntityChecker, Chromium.
    /// </summary>
    private static void UsageProblems(IReadOnlyList<X509Certificate2> path, Func<ClientFamily, int> limitOf,
        Action<HandshakeFailure, VerdictCheck, string, IEnumerable<ClientFamily>> add, string purpose)
    {
        if (path.Count == 0)
        {
            return;
        }
        var server = purpose == ServerAuth;
        var role = server ? "server" : "client";
        var leaf = path[0];
        if (Ekus(leaf) is { } leafEkus)
        {
            var hasPurpose = leafEkus.Contains(purpose);
            var sgc = server && (leafEkus.Contains(NetscapeSgc) || leafEkus.Contains(MicrosoftSgc));
            var rejecting = new List<ClientFamily>();
            if (!hasPurpose && !sgc)
            {
                rejecting.AddRange([ClientFamily.OpenSsl, ClientFamily.DotNet]);
            }
            if (!hasPurpose && !sgc && !leafEkus.Contains(AnyEku))
            {
                rejecting.Add(ClientFamily.Java);
            }
            if (!hasPurpose)
            {
                rejecting.Add(ClientFamily.Browser);
            }
            // Only a problem some family has is worded (the subject is formatted by the platform).
            if (rejecting.Count > 0)
            {
                add(HandshakeFailure.WrongUsage, VerdictCheck.Usage,
                    $"the {role}'s certificate '{Describe(leaf)}' is not for {role} authentication: its extended key usage is {DescribeEkus(leafEkus)}", rejecting.Distinct());
            }
        }
        if (UsageOf(leaf).KeyUsage is { } flags)
        {
            var rejecting = new List<ClientFamily>();
            var openSslNeeds = server
                ? X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.KeyAgreement
                : X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement;
            if ((flags & openSslNeeds) == 0)
            {
                rejecting.Add(ClientFamily.OpenSsl);
            }
            // Every suite a current client offers signs with the server key (ECDHE, TLS 1.3), and a
            // client proves its key with CertificateVerify, a signature.
            if ((flags & X509KeyUsageFlags.DigitalSignature) == 0)
            {
                rejecting.AddRange([ClientFamily.Java, ClientFamily.Browser]);
            }
            if (rejecting.Count > 0)
            {
                add(HandshakeFailure.WrongUsage, VerdictCheck.Usage,
                    $"the {role}'s certificate '{Describe(leaf)}' has key usage {flags}, without the digitalSignature a TLS {role} key needs", rejecting);
            }
        }
        for (var i = 1; i < path.Count; i++)
        {
            if (Ekus(path[i]) is not { } caEkus || caEkus.Contains(purpose))
            {
                continue;
            }
            var index = i;
            var sgc = server && (caEkus.Contains(NetscapeSgc) || caEkus.Contains(MicrosoftSgc));
            IEnumerable<ClientFamily> rejecting = [
                .. sgc ? [] : new[] { ClientFamily.OpenSsl, ClientFamily.DotNet },
                .. caEkus.Contains(AnyEku) ? [] : new[] { ClientFamily.Browser },
            ];
            add(HandshakeFailure.WrongUsage, VerdictCheck.Usage,
                $"the CA '{Describe(path[i])}' restricts its extended key usage to {DescribeEkus(caEkus)}, which excludes {role} authentication",
                rejecting.Where(f => index <= limitOf(f)));
        }
    }

    /// <summary>
    /// The precedence README "What the probe reports" states: distrust first (no heal or consent
    /// undoes it), then what no heal can fix, then validity, then the path's end.
    /// </summary>
    private static List<PathProblem> Ordered(List<PathProblem> problems)
    {
        var order = new[]
        {
            HandshakeFailure.Distrusted, HandshakeFailure.MalformedCertificate, HandshakeFailure.Other, HandshakeFailure.UnsupportedCriticalExtension, HandshakeFailure.ConstraintViolation,
            HandshakeFailure.WrongUsage, HandshakeFailure.Expired, HandshakeFailure.NotYetValid, HandshakeFailure.IncompleteChain,
            HandshakeFailure.UntrustedRoot, HandshakeFailure.SelfSigned,
        };
        return problems.OrderBy(p => Array.IndexOf(order, p.Failure)).ToList();
    }

    private static IReadOnlySet<string>? Ekus(X509Certificate2 certificate) => UsageOf(certificate).Ekus;

    private static Usage UsageOf(X509Certificate2 certificate) => Usages.Get(certificate, static c => new Usage(
        c.Extensions["2.5.29.37"] is X509EnhancedKeyUsageExtension eku
            ? eku.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value ?? "").ToHashSet(StringComparer.Ordinal)
            : null,
        c.Extensions["2.5.29.15"] is X509KeyUsageExtension ku ? ku.KeyUsages : null));

    /// <summary>A certificate's extended key usage and key usage as decoded (null: the extension is absent).</summary>
    private sealed record Usage(IReadOnlySet<string>? Ekus, X509KeyUsageFlags? KeyUsage);

    // Every handshake's leaf and CAs are new instances of the same few certificates.
    private static readonly CertificateMemo<Usage> Usages = new(1024);

    private static string DescribeEkus(IReadOnlySet<string> ekus) => ekus.Count == 0 ? "empty" : string.Join(", ", ekus.Select(oid => oid switch
    {
        ServerAuth => "serverAuth",
        "1.3.6.1.5.5.7.3.2" => "clientAuth",
        "1.3.6.1.5.5.7.3.3" => "codeSigning",
        "1.3.6.1.5.5.7.3.4" => "emailProtection",
        AnyEku => "anyExtendedKeyUsage",
        _ => oid,
    }));

    private static string BasicConstraintsReason(IReadOnlyList<X509Certificate2> path, int e)
    {
        var certificate = path[e];
        var bc = certificate.Extensions["2.5.29.19"] as X509BasicConstraintsExtension;
        if (e > 0 && bc is null)
        {
            return $"'{Describe(certificate)}' issues certificates but has no basic constraints marking it a CA (RFC 5280 4.2.1.9)";
        }
        if (e > 0 && bc is { CertificateAuthority: false })
        {
            return $"'{Describe(certificate)}' issues certificates but its basic constraints say it is not a CA (RFC 5280 4.2.1.9)";
        }
        if (bc is { HasPathLengthConstraint: true } && e - 1 > bc.PathLengthConstraint)
        {
            return $"'{Describe(certificate)}' allows {bc.PathLengthConstraint} CA certificate(s) below it (pathLenConstraint) and the path has {e - 1}: path length constraint exceeded (RFC 5280 4.2.1.9)";
        }
        if (e > 0 && certificate.Extensions["2.5.29.15"] is X509KeyUsageExtension ku && (ku.KeyUsages & X509KeyUsageFlags.KeyCertSign) == 0)
        {
            return $"'{Describe(certificate)}' issues certificates but its key usage lacks keyCertSign (RFC 5280 4.2.1.3)";
        }
        return $"'{Describe(certificate)}' violates its basic constraints (RFC 5280 4.2.1.9)";
    }

    private static string UnknownCritical(X509Certificate2 certificate)
    {
        string[] known = ["2.5.29.15", "2.5.29.17", "2.5.29.19", "2.5.29.30", "2.5.29.32", "2.5.29.33", "2.5.29.36", "2.5.29.37", "2.5.29.54", "2.5.29.18"];
        var unknown = certificate.Extensions.Cast<X509Extension>().Where(x => x.Critical && !known.Contains(x.Oid?.Value)).Select(x => x.Oid?.Value).ToList();
        return unknown.Count > 0 ? string.Join(", ", unknown) : "unknown";
    }

    internal static string Describe(X509Certificate2 certificate) => certificate.Subject.Length > 0 ? certificate.Subject : "(empty subject)";
}
