using System.Security.Cryptography.X509Certificates;
using CertHeal.Keystores;

namespace CertHeal.Revocation;

/// <summary>
/// The merge's revocation rule (DESIGN "No weakening"): a certificate known revoked is never
/// written, under any policy and any consent; one whose status is Unknown is written with a
/// warning under soft-fail and skipped under hard-fail. The issuer that verifies the answer is
/// found among the incoming certificates, the keystore's and the system anchors (<see cref="IssuerLookup"/>).
/// </summary>
internal sealed class MergeRevocationGate(MergeOptions options, Func<IReadOnlyList<X509Certificate2>> candidates, DateTime nowUtc)
{
    private readonly FetchBudget _budget = new(RevocationChecker.MaxFetchesPerChain * 4);

    /// <summary>Where issuers are looked for, gathered on the first certificate that has an issuer to find (a root has none).</summary>
    private readonly Lazy<IReadOnlyList<X509Certificate2>> _issuers = new(candidates);

    private IEnumerable<X509Certificate2> Issuers()
    {
        foreach (var issuer in _issuers.Value)
        {
            yield return issuer;
        }
    }

    /// <summary>The reason to skip the certificate (null: write it) and a warning to add to its Reason when it is written.</summary>
    public (string? Skip, string? Warning) Judge(X509Certificate2 certificate)
    {
        if (options.Revocation == RevocationCheckMode.Off)
        {
            return (null, null);
        }
        var answer = RevocationChecker.CheckAsync(certificate, IssuerLookup.Find(certificate, Issuers()), options.RevocationTimeout, nowUtc, _budget, CancellationToken.None)
            .GetAwaiter().GetResult();
        return answer.Status switch
        {
            RevocationStatus.Revoked => ($"it is revoked: {answer.Detail}", null),
            RevocationStatus.Unknown when options.Revocation == RevocationCheckMode.HardFail => ($"its revocation status is unknown and revocation checking is hard-fail: {answer.Detail}", null),
            RevocationStatus.Unknown => (null, $"warning: {answer.Detail} (written under soft-fail)"),
            _ => (null, null),
        };
    }
}
