using System.Security.Cryptography.X509Certificates;
using CertHeal.Handshake;

namespace CertHeal.Trust;

/// <summary>The verdict on one chain for one name: overall (the strictest family that uses the trust store) and per client family.</summary>
internal sealed record ChainJudgement(HandshakeFailure Failure, string Reason, ClientVerdict[] Clients)
{
    public bool Trusted => Failure == HandshakeFailure.None;
}

/// <summary>
/// Judges a chain offline as each client family would at the end of a TLS 1.3 handshake, with the
/// same code the probe runs after a real one (ChainTrustEvaluator, ClientVerdictRules).
/// </summary>
internal static class ChainVerdicts
{
    /// <summary>
    /// A client certificate's chain as a server of each family judges it: path rules and clientAuth
    /// usage, no name (servers do not check the client's name). Null per family = accepts.
    /// </summary>
    public static Dictionary<ClientFamily, string?> JudgeClientCertificate(IReadOnlyList<X509Certificate2> presented, TrustAnchors anchors, DateTime nowUtc)
    {
        var verdict = ChainTrustEvaluator.Evaluate(presented, anchors, nowUtc, clientCertificate: true);
        return TrustAnchors.AllFamilies.ToDictionary(f => f, f => verdict.ProblemsFor(f).FirstOrDefault()?.Reason);
    }

    public static ChainJudgement Judge(IReadOnlyList<X509Certificate2> presented, TrustAnchors anchors, string host, DateTime nowUtc)
    {
        var verdict = ChainTrustEvaluator.Evaluate(presented, anchors, nowUtc);
        var clients = ClientVerdictRules.Judge(new VerdictFacts
        {
            ServerMaxProtocol = TlsProtocol.Tls13,
            Presented = presented,
            Trust = verdict,
            Host = host,
        });
        if (!verdict.Trusted)
        {
            return new ChainJudgement(verdict.Failure, verdict.Detail, clients);
        }
        var rejecting = clients.FirstOrDefault(c => !c.Accepts && anchors.Consumers.Contains(c.Client));
        return rejecting is null
            ? new ChainJudgement(HandshakeFailure.None, "", clients)
            : new ChainJudgement(rejecting.Check switch
            {
                VerdictCheck.Name => HandshakeFailure.NameMismatch,
                VerdictCheck.SignatureAlgorithm => HandshakeFailure.WeakSignature,
                VerdictCheck.KeySize => HandshakeFailure.WeakKey,
                _ => HandshakeFailure.Other,
            }, rejecting.Reason, clients);
    }
}
