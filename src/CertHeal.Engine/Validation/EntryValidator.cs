using System.Security.Cryptography.X509Certificates;
using CertHeal.Handshake;

namespace CertHeal.Validation;

/// <summary>
/// Judges the entries of a keystore one by one and against each other. Expired and
/// not-yet-valid anchors are errors (a client that relies on them fails); weak algorithms and
/// soon-to-expire entries are warnings; oddities that do no harm are info.
/// </summary>
public static class EntryValidator
{
    private static readonly HashSet<string> WeakSignatureOids = new(StringComparer.Ordinal)
    {
        "1.2.840.113549.1.1.4", // md5RSA
        "1.2.840.113549.1.1.5", // sha1RSA
        "1.2.840.10045.4.1",    // sha1ECDSA
        "1.2.840.10040.4.3",    // sha1DSA
        "1.2.840.113549.1.1.2", // md2RSA
    };

    /// <param name="words">Words the findings' remedies (remove superseded or distrusted entries) in the calling host's option names.</param>
    public static IEnumerable<KeystoreFinding> Validate(IReadOnlyList<ValidatedEntry> entries, DateTime nowUtc, int expiringWithinDays, IHostVocabulary? words = null)
    {
        words ??= NeutralVocabulary.Instance;
        var readable = entries.Where(e => e.Certificate is not null).ToList();
        foreach (var entry in entries)
        {
            if (entry.Certificate is not { } certificate)
            {
                yield return new KeystoreFinding
                {
                    Severity = FindingSeverity.Error,
                    Code = FindingCodes.Unreadable,
                    Alias = entry.Alias,
                    Message = $"The entry '{entry.Alias}' could not be read ({entry.UnreadableReason}); remove it or replace it with a valid certificate.",
                };
                continue;
            }
            foreach (var finding in JudgeGuarded(entry, certificate, nowUtc, expiringWithinDays, words))
            {
                finding.Alias = entry.Alias;
                finding.Subject = certificate.Subject;
                finding.Thumbprint = certificate.Thumbprint;
                yield return finding;
            }
        }

        foreach (var group in readable.GroupBy(e => e.Certificate!.Thumbprint).Where(g => g.Count() > 1))
        {
            var aliases = group.Select(e => e.Alias).ToList();
            yield return new KeystoreFinding
            {
                Severity = FindingSeverity.Info,
                Code = FindingCodes.Duplicate,
                Alias = aliases[1],
                Subject = group.First().Certificate!.Subject,
                Thumbprint = group.Key,
                Message = $"The same certificate is stored under {string.Join(", ", aliases.Select(a => $"'{a}'"))}; one entry is enough.",
            };
        }

        var trusted = readable.Where(e => !e.IsPrivateKeyEntry).ToList();
        foreach (var older in trusted)
        {
            var newer = trusted.Where(n => !ReferenceEquals(n, older) && CertificateFacts.Renews(n.Certificate!, older.Certificate!))
                .OrderByDescending(n => n.Certificate!.NotAfter).FirstOrDefault();
            if (newer is not null)
            {
                yield return new KeystoreFinding
                {
                    Severity = FindingSeverity.Info,
                    Code = FindingCodes.Superseded,
                    Alias = older.Alias,
                    Subject = older.Certificate!.Subject,
                    Thumbprint = older.Certificate.Thumbprint,
                    Message = $"'{older.Alias}' is superseded by '{newer.Alias}' (same subject and issuer, valid until {newer.Certificate!.NotAfter.ToUniversalTime():yyyy-MM-dd}); {words.Render(new Remedy { Kind = RemedyKind.DropSupersededEntries })}.",
                };
            }
        }
    }

    /// <summary>
    /// A damaged entry (a field the platform's decoder rejects) is one Unreadable finding for
    /// that alias, not an exception that ends the whole report.
    /// </summary>
    private static List<KeystoreFinding> JudgeGuarded(ValidatedEntry entry, X509Certificate2 certificate, DateTime nowUtc, int expiringWithinDays, IHostVocabulary words)
    {
        try
        {
            return [.. Judge(entry, certificate, nowUtc, expiringWithinDays, words)];
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or System.Formats.Asn1.AsnContentException or ArgumentException or FormatException)
        {
            return [Finding(FindingSeverity.Error, FindingCodes.Unreadable,
                $"The entry '{entry.Alias}' could not be decoded ({e.Message.TrimEnd('.')}); remove it or replace it with a valid certificate.")];
        }
    }

    private static IEnumerable<KeystoreFinding> Judge(ValidatedEntry entry, X509Certificate2 certificate, DateTime nowUtc, int expiringWithinDays, IHostVocabulary words)
    {
        foreach (var finding in Distrust(entry, certificate, words))
        {
            yield return finding;
        }
        DecodeCounter.Date();
        var notAfter = certificate.NotAfter.ToUniversalTime();
        var notBefore = certificate.NotBefore.ToUniversalTime();
        var selfSigned = CertificateFacts.IsSelfSigned(certificate);
        if (nowUtc > notAfter)
        {
            yield return Finding(FindingSeverity.Error, FindingCodes.Expired,
                $"'{entry.Alias}' ({certificate.Subject}) expired on {notAfter:yyyy-MM-dd}; remove it, or merge its renewed certificate.");
        }
        else if (nowUtc < notBefore)
        {
            yield return Finding(FindingSeverity.Error, FindingCodes.NotYetValid,
                $"'{entry.Alias}' ({certificate.Subject}) is not valid before {notBefore:yyyy-MM-dd}; check this machine's clock or the certificate.");
        }
        else if ((notAfter - nowUtc).TotalDays <= expiringWithinDays)
        {
            yield return Finding(FindingSeverity.Warning, FindingCodes.ExpiringSoon,
                $"'{entry.Alias}' ({certificate.Subject}) expires on {notAfter:yyyy-MM-dd}, in {(int)Math.Floor((notAfter - nowUtc).TotalDays)} days; merge its renewal before then.");
        }

        // A root's own signature is never checked by clients, so SHA-1 on a root is only worth knowing.
        if (certificate.SignatureAlgorithm.Value is { } oid && WeakSignatureOids.Contains(oid))
        {
            yield return selfSigned
                ? Finding(FindingSeverity.Info, FindingCodes.WeakSignature,
                    $"'{entry.Alias}' ({certificate.Subject}) is a root self-signed with {certificate.SignatureAlgorithm.FriendlyName}; clients do not check a root's own signature, but audits may flag it.")
                : Finding(FindingSeverity.Warning, FindingCodes.WeakSignature,
                    $"'{entry.Alias}' ({certificate.Subject}) is signed with {certificate.SignatureAlgorithm.FriendlyName}, which clients reject; replace it with a SHA-256 (or better) certificate.");
        }
        if (NonCanonicalCertificate.IsNonCanonical(certificate))
        {
            yield return Finding(FindingSeverity.Warning, FindingCodes.NonCanonicalTime,
                $"'{entry.Alias}' ({certificate.Subject}) has a non-canonical time encoding (validity times that are not DER); OpenSSL and Java accept it, .NET's loader does not, and OpenSSL's verifier rejects it as a trust anchor; ask its issuer for a DER-encoded certificate.");
        }
        if (!CertificateFacts.TryKey(certificate, out var key, out var keyProblem))
        {
            yield return Finding(FindingSeverity.Error, FindingCodes.Unreadable,
                $"'{entry.Alias}' ({certificate.Subject}) has a public key that does not decode ({keyProblem}); remove it or replace it with a valid certificate.");
        }
        var (algorithm, size) = key;
        if ((algorithm == "RSA" && size < 2048) || (algorithm == "ECDSA" && size < 256) || (algorithm == "DSA" && size < 2048))
        {
            yield return Finding(FindingSeverity.Warning, FindingCodes.WeakKey,
                $"'{entry.Alias}' ({certificate.Subject}) has a {size}-bit {algorithm} key, below the {(algorithm == "ECDSA" ? 256 : 2048)}-bit minimum; replace it.");
        }
        if (!entry.IsPrivateKeyEntry && !selfSigned && !CertificateFacts.IsCertificateAuthority(certificate))
        {
            yield return Finding(FindingSeverity.Info, FindingCodes.NotACertificateAuthority,
                $"'{entry.Alias}' ({certificate.Subject}) is a server certificate, not a CA, used as a trust anchor: it pins that one certificate and stops working when the server renews it.");
        }
    }

    /// <summary>
    /// A blocked key is an Error: any path through it is refused (Trust/Distrust/DistrustRules). A
    /// distrust-after root is a Warning: it still anchors the leaves issued before its date, and
    /// stock stores ship such roots (the JDK's cacerts keeps the Entrust roots and applies its
    /// policy itself), so an Error would fail every such store.
    /// </summary>
    private static IEnumerable<KeystoreFinding> Distrust(ValidatedEntry entry, X509Certificate2 certificate, IHostVocabulary words)
    {
        var list = Trust.Distrust.DistrustList.Current;
        if (list.Blocked(certificate) is { } blocked)
        {
            yield return Finding(FindingSeverity.Error, FindingCodes.BlockedKey,
                $"'{entry.Alias}' ({certificate.Subject}) {blocked.Describe()}; remove it: {words.Render(new Remedy { Kind = RemedyKind.RemoveDistrustedEntries })}.");
        }
        var rules = list.DistrustOf(certificate).ToList();
        if (rules.Count > 0)
        {
            yield return Finding(FindingSeverity.Warning, FindingCodes.Distrusted,
                $"'{entry.Alias}' ({certificate.Subject}) is distrusted for TLS server certificates issued after a date: "
                + string.Join("; ", rules.Select(r => $"{r.Program} after {r.DistrustAfterUtc:yyyy-MM-dd} ({r.Source})"))
                + $"; servers under it need certificates from another CA; remove it: {words.Render(new Remedy { Kind = RemedyKind.RemoveDistrustedEntries })}.");
        }
    }

    private static KeystoreFinding Finding(FindingSeverity severity, string code, string message) =>
        new() { Severity = severity, Code = code, Message = message };
}
