using CertHeal.Validation;

namespace CertHeal.Revocation;

/// <summary>
/// Confirm-Keystore's revocation findings: each certificate entry checked against its issuer
/// (found among the keystore's entries and the system anchors). Most stores make every entry an
/// anchor, so a revoked entry keeps trusting what its CA revoked: an Error. Self-signed roots and
/// entries naming no responder or CRL are not checked (RFC 5280 6.1).
/// </summary>
internal static class EntryRevocation
{
    public static async Task<IEnumerable<KeystoreFinding>> FindingsAsync(IReadOnlyList<ValidatedEntry> entries, ValidationOptions options, DateTime nowUtc,
        CancellationToken cancellationToken)
    {
        if (options.Revocation == RevocationCheckMode.Off)
        {
            return [];
        }
        var certificates = entries.Where(e => e.Certificate is not null).Select(e => e.Certificate!).ToList();
        var issuers = certificates.Concat(Trust.TrustAnchors.System.Roots).Concat(Trust.TrustAnchors.System.Intermediates).ToList();
        var budget = new FetchBudget(RevocationChecker.MaxFetchesPerChain * 4);
        var findings = new List<KeystoreFinding>();
        foreach (var entry in entries.Where(e => e.Certificate is not null))
        {
            var certificate = entry.Certificate!;
            if (CertificateFacts.IsSelfSigned(certificate) || RevocationUrls.Ocsp(certificate).Count + RevocationUrls.Crl(certificate).Count == 0)
            {
                continue;
            }
            var answer = await RevocationChecker.CheckAsync(certificate, IssuerLookup.Find(certificate, issuers), options.RevocationTimeout, nowUtc, budget,
                cancellationToken).ConfigureAwait(false);
            if (answer.Status is RevocationStatus.Revoked or RevocationStatus.Unknown)
            {
                var revoked = answer.Status == RevocationStatus.Revoked;
                findings.Add(new KeystoreFinding
                {
                    Severity = revoked || options.Revocation == RevocationCheckMode.HardFail ? FindingSeverity.Error : FindingSeverity.Warning,
                    Code = revoked ? FindingCodes.Revoked : FindingCodes.RevocationUnknown,
                    Alias = entry.Alias,
                    Subject = certificate.Subject,
                    Thumbprint = certificate.Thumbprint,
                    Message = revoked
                        ? $"'{entry.Alias}' is revoked: {answer.Detail}; remove it from the keystore."
                        : $"The revocation status of '{entry.Alias}' is unknown: {answer.Detail}.",
                });
            }
        }
        return findings;
    }
}
