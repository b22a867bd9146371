using CertHeal.Trust;

namespace CertHeal.Handshake;

/// <summary>
/// Copies the verdict's revocation answers onto the result's ChainCertificates (matched by
/// content: the verdict's path is in chain order, the presented chain in the server's), and
/// under soft-fail notes in the Reason which statuses stayed unknown, so a passing result does
/// not hide an unanswered check.
/// </summary>
internal static class RevocationResults
{
    public static void Apply(HandshakeResult result, TrustVerdict? verdict)
    {
        if (verdict is null || verdict.Revocation.Count == 0)
        {
            return;
        }
        for (var i = 0; i < verdict.Path.Count && i < verdict.Revocation.Count; i++)
        {
            var answer = verdict.Revocation[i];
            var raw = verdict.Path[i].RawDataMemory;
            foreach (var certificate in result.PresentedChain.Where(c => c.Certificate is { } x && x.RawDataMemory.Span.SequenceEqual(raw.Span)))
            {
                certificate.Revocation = answer.Status;
                certificate.RevocationSource = answer.Source;
                certificate.RevocationDetail = answer.Status is RevocationStatus.Revoked or RevocationStatus.Unknown ? answer.Detail : null;
            }
        }
        var unknown = verdict.Revocation.FirstOrDefault(a => a.Status == RevocationStatus.Unknown);
        if (result.Failure == HandshakeFailure.None && unknown is not null)
        {
            result.Reason = result.Reason.TrimEnd('.') + $"; note (soft-fail): {unknown.Detail}.";
        }
    }
}
