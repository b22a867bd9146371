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
    public static List<KeystoreChangeEntry> Apply(Keystore keystore, IReadOnlyList<X509Certificate2> incoming, MergeOptions options) =>
        Apply(keystore, incoming, options, new MergeDecisions());

    /// <param name="decisions">Verdicts from a plan of the same store bytes; filled where missing.</param>
    internal static List<KeystoreChangeEntry> Apply(Keystore keystore, IReadOnlyList<X509Certificate2> incoming, MergeOptions options, MergeDecisions decisions)
    {
        var now = options.Clock.GetUtcNow().UtcDateTime;
        // Removed first, so that nothing below (the policy's anchors, renewals) leans on them.
        var removed = options.RemoveDistrusted ? RemoveDistrusted(keystore) : [];
        var unique = incoming.DistinctBy(c => c.Thumbprint).ToList();
        // The stored certificates parsed, for the rules that need them all (path material, blocked
        // issuers, revocation issuers): only when one of them runs. An entry the codec deferred
        // (CertificateDeferral) is otherwise never parsed; a merge of roots parses none.
        var stored = new Lazy<List<X509Certificate2>>(() => [.. KeystoreFile.Certificates(keystore)]);
        // Lazy: a commit that reuses the plan's decisions builds no chain at all.
        var evaluator = new Lazy<TrustPolicyEvaluator>(() => new TrustPolicyEvaluator(options.Policy, options.TrustedFingerprints,
            keystore.Entries.Where(e => e.EntryType == KeystoreEntryType.TrustedCertificate).Select(e => e.Sha256Fingerprint).OfType<string>(),
            () => stored.Value, options.System ?? TrustAnchors.System, unique, now) { Words = options.Vocabulary });
        var aliases = keystore.Entries.Select(e => e.Alias).ToHashSet(StringComparer.OrdinalIgnoreCase);
        // Indexes instead of scans: merging thousands of certificates into thousands of entries
        // must stay linear (by content for "already there", by subject + issuer for renewals),
        // and built from the entries' bytes, without parsing them.
        var byContent = new Dictionary<string, KeystoreEntry>(StringComparer.Ordinal);
        var byName = new Dictionary<byte[], List<KeystoreEntry>>(ByteArrayComparer.Instance);
        foreach (var entry in keystore.Entries)
        {
            if (entry.Sha256Fingerprint is { } stored256)
            {
                byContent.TryAdd(stored256, entry);
                if (entry.EntryType == KeystoreEntryType.TrustedCertificate)
                {
                    Index(byName, entry);
                }
            }
        }
        // When anything here is new the policy asks about every incoming certificate's signature: asked
        // ahead on every core. A merge that only finds its certificates already there asks nothing.
        if (unique.Any(c => !byContent.ContainsKey(CertificateFacts.Sha256Fingerprint(c))))
        {
            CertificateFacts.CheckSelfSigned(unique);
        }
        var changes = removed;
        // A certificate signed by a blocked key is refused too: its issuer may be incoming or stored.
        var blockedIssuers = new Lazy<List<(X509Certificate2 Certificate, Trust.Distrust.BlockedKey Key)>>(
            () => Trust.Distrust.DistrustRules.BlockedAmong([.. unique, .. stored.Value]));
        var anchorsForRevocation = options.System ?? TrustAnchors.System;
        var revocation = new Lazy<Revocation.MergeRevocationGate>(() => new Revocation.MergeRevocationGate(options,
            () => [.. unique, .. stored.Value, .. anchorsForRevocation.Roots, .. anchorsForRevocation.Intermediates], now));
        var forget = new ForgetRule(options);
        // One answer per anchor: a root is asked once, and the certificates below it follow that answer.
        var answers = new Dictionary<string, bool>(StringComparer.OrdinalIgnoreCase);
        bool Approved(string fingerprint, bool pinned)
        {
            if (pinned || options.ApproveAnchor is not { } approve)
            {
                return true;
            }
            if (!answers.TryGetValue(fingerprint, out var answer))
            {
                answers[fingerprint] = answer = approve(fingerprint);
            }
            return answer;
        }
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
            if (byContent.TryGetValue(change.Sha256Fingerprint, out var existing))
            {
                // A root NSS holds without TLS trust (email only, or cached with none) is no anchor:
                // "Unchanged" would promise a handshake that still fails, and CertHeal changes no trust it did not set.
                (change.Action, change.Alias, change.Reason) = NssTrust.NotTlsTrusted(keystore.Path, existing, certificate) is { } untrusted
                    ? (KeystoreChangeAction.Skipped, existing.Alias, untrusted)
                    : (KeystoreChangeAction.Unchanged, existing.Alias, "already in the keystore");
                continue;
            }
            // Before the policy and any consent: a forgotten certificate is refused unless named (ForgetRule).
            if (forget.Refusal(change.Sha256Fingerprint) is { } forgotten)
            {
                (change.Action, change.Reason, change.Refused, change.Consent) = (KeystoreChangeAction.Skipped, forgotten, true, AnchorConsentKind.Refused);
                continue;
            }
            // Before the policy and before any consent is asked: no policy, pinned fingerprint,
            // TrustOnFirstUse, -Force or approval writes a blocked key (Trust/Distrust/DistrustRules).
            if (Trust.Distrust.DistrustRules.RefuseToWrite(certificate, () => blockedIssuers.Value) is { } blocked)
            {
                (change.Action, change.Reason, change.Refused, change.Consent) = (KeystoreChangeAction.Skipped, blocked, true, AnchorConsentKind.Refused);
                continue;
            }
            if (KeystoreConsumers.Rejects(keystore.Format, certificate) is { } rejected)
            {
                (change.Action, change.Reason, change.Consent) = (KeystoreChangeAction.Skipped, rejected, AnchorConsentKind.Refused);
                continue;
            }
            // Revoked goes before the policy: no policy and no consent writes a revoked certificate.
            var decision = decisions.GetOrAdd(change.Sha256Fingerprint, () => Decide(certificate, options, revocation.Value, evaluator.Value));
            if (decision.Revoked is not null)
            {
                (change.Action, change.Reason, change.Refused, change.Consent) = (KeystoreChangeAction.Skipped, decision.Revoked, true, AnchorConsentKind.Refused);
                continue;
            }
            var (allowed, reason, newAnchor) = (decision.Allowed, decision.Reason, decision.NewAnchor);
            if (decision.RevocationWarning is not null)
            {
                reason = $"{reason}; {decision.RevocationWarning}";
            }
            if (!allowed)
            {
                (change.Action, change.Reason, change.Consent) = (KeystoreChangeAction.Skipped, reason, AnchorConsentKind.Refused);
                change.Refused = now >= certificate.NotBefore.ToUniversalTime() && now <= certificate.NotAfter.ToUniversalTime();
                continue;
            }
            // A fingerprint the user named (-TrustedFingerprint / --trusted-fingerprint) is the consent
            // for that one anchor: only anchors nobody named are put to ApproveAnchor.
            if (newAnchor)
            {
                (change.Consent, change.ApprovalFingerprint) = decision.Pinned ? (AnchorConsentKind.Pinned, null) : (AnchorConsentKind.NeedsApproval, change.Sha256Fingerprint);
                if (!Approved(change.Sha256Fingerprint, decision.Pinned))
                {
                    (change.Action, change.Reason, change.Refused) = (KeystoreChangeAction.Skipped, $"a new trust anchor (SHA-256 {change.Sha256Fingerprint}) that was not confirmed", true);
                    continue;
                }
            }
            else if (decision.IncomingRootFingerprint is { } root)
            {
                if (forget.RootRefusal(root, decision.IncomingRootSubject ?? "") is { } forgottenRoot)
                {
                    (change.Action, change.Reason, change.Refused, change.Consent) = (KeystoreChangeAction.Skipped, forgottenRoot, true, AnchorConsentKind.Refused);
                    continue;
                }
                (change.Consent, change.ApprovalFingerprint) = (AnchorConsentKind.NeedsApproval, root);
                if (!Approved(root, pinned: false))
                {
                    (change.Action, change.Reason, change.Refused) = (KeystoreChangeAction.Skipped,
                        $"it chains only to '{decision.IncomingRootSubject}' (SHA-256 {root}), which was not confirmed as a new trust anchor", true);
                    continue;
                }
            }
            change.NewTrustAnchor = newAnchor;
            var superseded = (byName.GetValueOrDefault(NameKey(certificate)) ?? [])
                .Where(e => e.Certificate is not null && CertificateFacts.Renews(certificate, e.Certificate))
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
                first.Origin = null;
                byContent.Remove(CertificateFacts.Sha256Fingerprint(old));
                // A renewal has the entry's subject and issuer: it stays where byName holds it.
                byContent[change.Sha256Fingerprint] = first;
                foreach (var extra in replace.Skip(1))
                {
                    keystore.Entries.Remove(extra);
                    byName[NameKey(extra)].Remove(extra);
                }
                (change.Action, change.Alias, change.ApprovedBy) = (KeystoreChangeAction.Replaced, first.Alias, ApprovedBy(change, options));
                change.Reason = (now > old.NotAfter.ToUniversalTime()
                    ? $"renews the expired entry '{first.Alias}' (expired {old.NotAfter.ToUniversalTime():yyyy-MM-dd}) in place; "
                    : $"replaces the superseded entry '{first.Alias}' (valid until {old.NotAfter.ToUniversalTime():yyyy-MM-dd}); ") + reason;
                continue;
            }
            // NSS names a certificate by the nickname the backend derives from it, so the change reports that name.
            var alias = keystore.Format == KeystoreFormat.Nss ? NssNickname.For(certificate, aliases) : KeystoreAliases.Derive(certificate, aliases);
            var added = new KeystoreEntry { Alias = alias, EntryType = KeystoreEntryType.TrustedCertificate, Certificate = certificate, CreationDate = now };
            keystore.Entries.Add(added);
            byContent[change.Sha256Fingerprint] = added;
            Index(byName, added);
            (change.Action, change.Alias, change.ApprovedBy) = (KeystoreChangeAction.Added, alias, ApprovedBy(change, options));
            change.Reason = superseded.Count > 0
                ? $"{reason}; added beside '{superseded[^1].Alias}', which it renews ({options.Vocabulary.Render(new Remedy { Kind = RemedyKind.RemoveSuperseded })})"
                : reason;
        }
        return changes;
    }

    /// <summary>The per-certificate verdicts a plan computes once: revocation, then the trust policy and the incoming root it leans on.</summary>
    private static MergeDecisions.Decision Decide(X509Certificate2 certificate, MergeOptions options, Revocation.MergeRevocationGate revocation, TrustPolicyEvaluator evaluator)
    {
        var (revoked, warning) = revocation.Judge(certificate);
        if (revoked is not null)
        {
            return new MergeDecisions.Decision(revoked, warning, false, revoked, false, false, null, null);
        }
        var (allowed, reason, newAnchor) = evaluator.Decide(certificate);
        var root = allowed && !newAnchor && options.Policy == TrustPolicy.TrustOnFirstUse ? evaluator.IncomingRootOf(certificate) : null;
        return new MergeDecisions.Decision(null, warning, allowed, reason, newAnchor, evaluator.IsPinned(certificate),
            root is null ? null : CertificateFacts.Sha256Fingerprint(root), root?.Subject);
    }

    /// <summary>What let an entry that passed the policy and its consent in: the plan's kind, and for an approval who gave it.</summary>
    private static ConsentSource ApprovedBy(KeystoreChangeEntry change, MergeOptions options) => change.Consent switch
    {
        AnchorConsentKind.Pinned => ConsentSource.PinnedFingerprint,
        AnchorConsentKind.NeedsApproval => options.ApproveAnchor is null ? ConsentSource.Forced : options.Approver,
        _ => ConsentSource.PolicyChain,
    };

    /// <summary>-RemoveDistrusted: the trusted entries with a blocked key or a distrust-after rule, taken out and reported as Removed.</summary>
    private static List<KeystoreChangeEntry> RemoveDistrusted(Keystore keystore)
    {
        var list = Trust.Distrust.DistrustList.Current;
        var removed = new List<KeystoreChangeEntry>();
        foreach (var entry in keystore.Entries.Where(e => e.EntryType == KeystoreEntryType.TrustedCertificate && e.Certificate is not null).ToList())
        {
            var certificate = entry.Certificate!;
            var why = list.Blocked(certificate) is { } blocked ? $"removed: it {blocked.Describe()}"
                : list.DistrustOf(certificate).ToList() is { Count: > 0 } rules
                    ? "removed: " + string.Join("; ", rules.Select(r => $"{r.Program} distrusts TLS server certificates it issued after {r.DistrustAfterUtc:yyyy-MM-dd} ({r.Source})"))
                    : null;
            if (why is null)
            {
                continue;
            }
            keystore.Entries.Remove(entry);
            removed.Add(new KeystoreChangeEntry
            {
                Action = KeystoreChangeAction.Removed,
                ApprovedBy = ConsentSource.DistrustRemoval,
                Alias = entry.Alias,
                Subject = certificate.Subject,
                Thumbprint = certificate.Thumbprint,
                Sha256Fingerprint = CertificateFacts.Sha256Fingerprint(certificate),
                NotAfter = certificate.NotAfter.ToUniversalTime(),
                Reason = why,
            });
        }
        return removed;
    }

    private static byte[] NameKey(X509Certificate2 certificate) => NameKey(certificate.SubjectName.RawData, certificate.IssuerName.RawData);

    /// <summary>An entry's key read from its bytes; the parsed names when the bytes do not read (a parsed non-canonical certificate).</summary>
    private static byte[] NameKey(KeystoreEntry entry) =>
        entry.CertificateBytes is { } der && CertificateDer.Names(der) is { } names ? NameKey(names.Subject.Span, names.Issuer.Span)
            : entry.Certificate is { } certificate ? NameKey(certificate) : [];

    /// <summary>
    /// Both encoded names, one after the other (each DER value carries its own length, so the pair
    /// is unambiguous), compared as bytes: their hex as a string key took four times their size.
    /// </summary>
    private static byte[] NameKey(ReadOnlySpan<byte> subject, ReadOnlySpan<byte> issuer) => [.. subject, .. issuer];

    private static void Index(Dictionary<byte[], List<KeystoreEntry>> byName, KeystoreEntry entry)
    {
        var key = NameKey(entry);
        if (!byName.TryGetValue(key, out var list))
        {
            byName[key] = list = [];
        }
        list.Add(entry);
    }
}
