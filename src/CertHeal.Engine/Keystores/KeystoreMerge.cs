using System.Security.Cryptography.X509Certificates;
using CertHeal.Trust;

namespace CertHeal.Keystores;

/// <summary>
/// Merge-Keystore's rules, applied to a keystore in memory: add what is missing, replace an
/// expired entry by its renewal under the same alias, keep the same certificate twice as
/// Unchanged, and skip with a reason whatever is expired, not yet valid or refused by the trust
/// policy. Private-key and other entries are never touched.
/// </summary>
public static class KeystoreMerge
{
    public static List<KeystoreChangeEntry> Apply(Keystore keystore, IReadOnlyList<X509Certificate2> incoming, MergeOptions options)
    {
        var now = options.Clock.GetUtcNow().UtcDateTime;
        var unique = incoming.DistinctBy(c => c.Thumbprint).ToList();
        var evaluator = new TrustPolicyEvaluator(options.Policy, options.TrustedFingerprints, KeystoreFile.Certificates(keystore),
            options.System ?? TrustAnchors.System, unique, now);
        var aliases = keystore.Entries.Select(e => e.Alias).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var changes = new List<KeystoreChangeEntry>();
        foreach (var certificate in unique)
        {
            var change = new KeystoreChangeEntry
            {
                Subject = certificate.Subject,
                Thumbprint = certificate.Thumbprint,
                Sha256Fingerprint = CertificateFacts.Sha256Fingerprint(certificate),
                NotAfter = certificate.NotAfter.ToUniversalTime(),
            };
            changes.Add(change);
            var existing = keystore.Entries.FirstOrDefault(e => e.Certificate is not null && NonCanonicalCertificate.Same(e.Certificate, NonCanonicalCertificate.Der(certificate)));
            if (existing is not null)
            {
                (change.Action, change.Alias, change.Reason) = (KeystoreChangeAction.Unchanged, existing.Alias, "already in the keystore");
                continue;
            }
            if (KeystoreConsumers.Rejects(keystore.Format, certificate) is { } rejected)
            {
                (change.Action, change.Reason) = (KeystoreChangeAction.Skipped, rejected);
                continue;
            }
            var (allowed, reason, newAnchor) = evaluator.Decide(certificate);
            if (!allowed)
            {
                (change.Action, change.Reason) = (KeystoreChangeAction.Skipped, reason);
                change.Refused = now >= certificate.NotBefore.ToUniversalTime() && now <= certificate.NotAfter.ToUniversalTime();
                continue;
            }
            if (newAnchor && options.ApproveAnchor is { } approve && !approve(change.Sha256Fingerprint))
            {
                (change.Action, change.Reason, change.Refused) = (KeystoreChangeAction.Skipped, $"a new trust anchor (SHA-256 {change.Sha256Fingerprint}) that was not confirmed", true);
                continue;
            }
            change.NewTrustAnchor = newAnchor;
            var superseded = keystore.TrustedEntries
                .Where(e => CertificateFacts.Renews(certificate, e.Certificate!))
                .OrderBy(e => e.Certificate!.NotAfter).ToList();
            // A server certificate is trusted through its issuer once the chain is here; storing it
            // would pin it and break at its next renewal. Only a renewal of a pinned one goes in.
            if (options.Policy != TrustPolicy.TrustOnFirstUse && superseded.Count == 0
                && !CertificateFacts.IsCertificateAuthority(certificate) && !CertificateFacts.IsSelfSigned(certificate))
            {
                (change.Action, change.Reason) = (KeystoreChangeAction.Skipped, "a server certificate, not needed: it is trusted through its issuer");
                continue;
            }
            var expired = superseded.Where(e => now > e.Certificate!.NotAfter.ToUniversalTime()).ToList();
            var replace = options.RemoveSuperseded ? superseded : expired;
            if (replace.Count > 0)
            {
                var first = replace[0];
                var old = first.Certificate!;
                first.Certificate = certificate;
                first.CreationDate = now;
                first.Opaque = null;
                foreach (var extra in replace.Skip(1))
                {
                    keystore.Entries.Remove(extra);
                }
                (change.Action, change.Alias) = (KeystoreChangeAction.Replaced, first.Alias);
                change.Reason = (now > old.NotAfter.ToUniversalTime()
                    ? $"renews the expired entry '{first.Alias}' (expired {old.NotAfter.ToUniversalTime():yyyy-MM-dd}) in place; "
                    : $"replaces '{first.Alias}' (valid until {old.NotAfter.ToUniversalTime():yyyy-MM-dd}), as -RemoveSuperseded asked; ") + reason;
                continue;
            }
            var alias = KeystoreAliases.Derive(certificate, aliases);
            keystore.Entries.Add(new KeystoreEntry { Alias = alias, EntryType = KeystoreEntryType.TrustedCertificate, Certificate = certificate, CreationDate = now });
            (change.Action, change.Alias) = (KeystoreChangeAction.Added, alias);
            change.Reason = superseded.Count > 0
                ? $"{reason}; added beside '{superseded[^1].Alias}', which it renews (-RemoveSuperseded replaces it)"
                : reason;
        }
        return changes;
    }
}
