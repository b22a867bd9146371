using System.Security.Cryptography.X509Certificates;
using CertHeal.Chains;
using CertHeal.Trust;

namespace CertHeal.Handshake;

/// <summary>
/// The last step of a probe: judge the captured facts per client family, and turn a chain that
/// this machine trusts but mainstream clients refuse (a SHA-1 signature below the root, a short
/// RSA key) into WeakSignature / WeakKey instead of a misleading None.
/// </summary>
internal static class ClientVerdictStage
{
    /// <param name="verdict">The probe's verdict on <paramref name="presented"/> when it already judged it (one chain build per handshake).</param>
    /// <param name="dhGroupBits">The finite-field DH prime size of a DHE server, when the probe learned it.</param>
    /// <param name="serverRequiresClientCertificate">Whether the server refuses a client without a certificate, when the probe learned it.</param>
    public static async Task ApplyAsync(HandshakeResult result, IReadOnlyList<X509Certificate2> presented, TrustAnchors trust, DateTime nowUtc,
        TrustVerdict? verdict, CancellationToken cancellationToken, int? dhGroupBits = null, bool? serverRequiresClientCertificate = null)
    {
        TlsProtocol? max = result.ServerProtocols.Length > 0
            ? result.ServerProtocols.Select(p => Enum.Parse<TlsProtocol>(p)).Max()
            : Enum.TryParse<TlsProtocol>(result.Protocol, out var negotiated) && Enum.IsDefined(negotiated) ? negotiated : null;
        if (max is null && presented.Count == 0)
        {
            return;
        }
        verdict ??= presented.Count > 0 ? ChainTrustEvaluator.Evaluate(presented, trust, nowUtc) : null;
        var dotNetAllows = max is not { } m || m >= TlsProtocol.Tls12 || await ProtocolPolicy.IsAllowedAsync(m, cancellationToken).ConfigureAwait(false);
        var facts = new VerdictFacts
        {
            ServerMaxProtocol = max,
            ServerSuites = result.ServerCipherSuites.Length > 0 ? result.ServerCipherSuites : result.CipherSuite is { } s ? [s] : [],
            Presented = presented,
            Trust = verdict,
            NameMismatch = result.Failure == HandshakeFailure.NameMismatch,
            Host = result.ServerName,
            AiaWouldComplete = result.AiaWouldComplete,
            ClientCertificateProblem = result.Failure switch
            {
                HandshakeFailure.ClientCertificateRequired => "the server requires a client certificate and none was sent",
                HandshakeFailure.ClientCertificateRejected => "the server rejects the client certificate that was sent",
                _ => null,
            },
            ClientCertificateChainsToAcceptable = result.ClientCertificateChainsToAcceptable,
            ServerRequiresClientCertificate = serverRequiresClientCertificate == true,
            DhGroupBits = dhGroupBits,
            DotNetAllowsProtocol = dotNetAllows,
            AnchoredInPublicRoots = verdict?.Top is { } top && presented.Any(c => ClientVerdictRules.WeakDigest(c) is not null)
                && TrustAnchors.System.Contains(top),
        };
        result.ClientVerdicts = ClientVerdictRules.Judge(facts);
        if (result.Failure == HandshakeFailure.None)
        {
            MarkWeakChain(result, trust.Consumers);
        }
        if (result.Failure is HandshakeFailure.None or HandshakeFailure.Other)
        {
            MarkWeakKeyExchange(result, dhGroupBits);
        }
        if (result.Failure is HandshakeFailure.None or HandshakeFailure.Other)
        {
            MarkOversizedCertificateMessage(result);
        }
    }

    /// <summary>
    /// A Certificate message above OpenSSL's (and BoringSSL's) max_cert_list is refused by the strict
    /// clients before any chain check ("excessive message size"): the result is Other (no client-side
    /// fix; HandshakeFailure has no size value) with a Reason naming the size and each limit.
    /// </summary>
    private static void MarkOversizedCertificateMessage(HandshakeResult result)
    {
        var strict = result.ClientVerdicts.FirstOrDefault(v => v.Client is ClientFamily.OpenSsl or ClientFamily.Browser && v.Check == VerdictCheck.MessageSize);
        if (strict is null)
        {
            return;
        }
        var rejecting = result.ClientVerdicts.Where(v => v.Check == VerdictCheck.MessageSize).Select(v => $"{Family(v.Client)} ({v.Reason})").ToList();
        var accepting = result.ClientVerdicts.Where(v => v.Accepts).Select(v => Family(v.Client)).ToList();
        result.Failure = HandshakeFailure.Other;
        result.Succeeded = false;
        result.Healable = false;
        result.Recommendation = null;
        result.Reason = $"{result.Target} sends a certificate chain too large for strict clients: {string.Join("; ", rejecting)}"
            + (accepting.Count > 0 ? $" ({string.Join(", ", accepting)} accept it)" : "")
            + "; the server's owner must send a smaller chain (fewer names per certificate, no unneeded certificates).";
    }

    /// <summary>
    /// A server whose only key exchange is finite-field DHE with a group OpenSSL/curl refuse is
    /// CipherMismatch: the server and the strict clients share no acceptable key exchange, and only
    /// the server's owner can fix it (ECDHE suites, or a DH group of at least 2048 bits, e.g.
    /// RFC 7919 ffdhe2048). The Reason says "DH key too small (N bits)", OpenSSL's own words.
    /// </summary>
    private static void MarkWeakKeyExchange(HandshakeResult result, int? dhGroupBits)
    {
        var strict = result.ClientVerdicts.FirstOrDefault(v => v.Client == ClientFamily.OpenSsl && v.Check == VerdictCheck.KeyExchange);
        if (strict is null || dhGroupBits is not { } bits)
        {
            return;
        }
        var rejecting = result.ClientVerdicts.Where(v => !v.Accepts).Select(v => Family(v.Client)).ToList();
        var accepting = result.ClientVerdicts.Where(v => v.Accepts).Select(v => Family(v.Client)).ToList();
        result.Failure = HandshakeFailure.CipherMismatch;
        result.Succeeded = false;
        result.Healable = false;
        result.Recommendation = null;
        result.Reason = $"{result.Target} offers only finite-field DHE ({result.CipherSuite}) with a DH key too small ({bits} bits): {strict.Reason}; "
            + $"{string.Join(", ", rejecting)} reject it" + (accepting.Count > 0 ? $" ({string.Join(", ", accepting)} accept it)" : "")
            + "; the server's owner must enable ECDHE suites or a DH group of at least 2048 bits.";
    }

    private static void MarkWeakChain(HandshakeResult result, IReadOnlyCollection<ClientFamily> consumers)
    {
        var strict = result.ClientVerdicts.Where(v => consumers.Contains(v.Client)).ToList();
        var weak = strict.FirstOrDefault(v => v.Check is VerdictCheck.SignatureAlgorithm or VerdictCheck.KeySize);
        if (weak is null)
        {
            return;
        }
        var failure = weak.Check == VerdictCheck.SignatureAlgorithm ? HandshakeFailure.WeakSignature : HandshakeFailure.WeakKey;
        var rejecting = result.ClientVerdicts.Where(v => v.Check == weak.Check).Select(v => Family(v.Client)).ToList();
        var accepting = result.ClientVerdicts.Where(v => v.Accepts).Select(v => Family(v.Client)).ToList();
        var fix = failure == HandshakeFailure.WeakSignature
            ? "the server's owner must have the certificate reissued with SHA-256 or better"
            : "the server's owner must have the certificate reissued with an RSA key of at least 2048 bits (or ECDSA P-256)";
        result.Failure = failure;
        result.Succeeded = false;
        result.Healable = false;
        result.Recommendation = null;
        result.Remedy = null;
        result.Reason = $"{result.Target} presented a chain trusted by {result.TrustedBy}, but {weak.Reason}: {string.Join(", ", rejecting)} reject it"
            + (accepting.Count > 0 ? $" ({string.Join(", ", accepting)} accept it)" : "") + $"; {fix}.";
    }

    private static string Family(ClientFamily family) => family switch
    {
        ClientFamily.DotNet => ".NET",
        ClientFamily.OpenSsl => "OpenSSL/curl",
        ClientFamily.Java => "Java",
        _ => "browsers",
    };
}
