using System.Security.Cryptography.X509Certificates;
using CertHeal.Keystores;

namespace CertHeal.Trust;

/// <summary>Asked right before each write (a store, then the ledger); false leaves it unwritten, <paramref name="whatIf"/> true says it was only a check.</summary>
public delegate bool ConfirmWrite(string target, string action, out bool whatIf);

/// <summary>How a forget runs.</summary>
public sealed class ForgetOptions
{
    public required string LedgerPath { get; init; }
    public KeystoreFormat? Format { get; init; }

    /// <summary>The stores' password; null (or a wrong one) falls back to a store's well-known default, as Sync does.</summary>
    public KeystorePassword? Password { get; init; }

    /// <summary>Null writes without asking (the CLI); a host passes its ShouldProcess.</summary>
    public ConfirmWrite? Confirm { get; init; }

    /// <summary>Plan only (`--what-if`): nothing is written, the changes say what would be.</summary>
    public bool WhatIf { get; init; }

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Who forgets (kept in the ledger mark); user@host when null.</summary>
    public string? ForgottenBy { get; init; }
}

/// <summary>What a forget did: each store's change, the stores that failed, and the ledger mark.</summary>
public sealed class ForgetResult
{
    public string Sha256Fingerprint { get; init; } = "";
    public List<KeystoreChange> Changes { get; } = [];
    public List<KeystoreException> Failures { get; } = [];

    /// <summary>Neither the ledger nor any store visited knows the fingerprint.</summary>
    public bool NotFound { get; set; }

    /// <summary>The ledger mark was written now (or, in a check, would be); false when it was already there or declined.</summary>
    public bool Marked { get; set; }

    /// <summary>The mark as it stands after the forget (its date), null when there is none.</summary>
    public DateTime? Forgotten { get; set; }
}

/// <summary>
/// `certheal forget` / Remove-KeystoreEntry: the undo of a heal. It takes the certificate out of
/// each store (the ones named, else every store the ledger says it was written into) through
/// <see cref="KeystoreRemoval"/>, then marks its ledger entry forgotten, so neither Sync nor a
/// later merge puts it back (<see cref="ForgetRule"/>). A certificate the ledger never knew is
/// marked too when a named store held it: a TrustOnFirstUse merge of the same server must not
/// quietly re-add what was just removed on purpose.
/// </summary>
public static class LedgerForget
{
    public static ForgetResult Forget(string fingerprint, IReadOnlyList<string>? stores, ForgetOptions options)
    {
        fingerprint = fingerprint.Replace(":", "", StringComparison.Ordinal).ToUpperInvariant();
        var result = new ForgetResult { Sha256Fingerprint = fingerprint };
        var entry = TrustLedger.Read(options.LedgerPath).Entries.FirstOrDefault(e => e.Sha256Fingerprint.Equals(fingerprint, StringComparison.OrdinalIgnoreCase));
        X509Certificate2? held = null;
        foreach (var store in stores is { Count: > 0 } ? stores : entry?.Stores ?? [])
        {
            try
            {
                var change = RemoveFrom(store, fingerprint, options, out var found);
                held ??= found;
                result.Changes.Add(change);
            }
            catch (KeystoreException e)
            {
                result.Failures.Add(e);
            }
        }
        if (entry is null && held is null)
        {
            // A private-key entry with that certificate is a match (its row says why it stayed), not a mark.
            result.NotFound = !result.Changes.Any(c => c.Entries.Length > 0) && (result.Failures.Count == 0 || result.Changes.Count > 0);
            return result;
        }
        result.Forgotten = entry?.Forgotten;
        if (entry?.Forgotten is not null)
        {
            return result;
        }
        var now = options.Clock.GetUtcNow().UtcDateTime;
        var action = $"Mark SHA-256 {fingerprint} forgotten, so Sync and merges do not put it back";
        if (!Allowed(options, TrustLedger.Folder(options.LedgerPath), action, out var check))
        {
            (result.Marked, result.Forgotten) = (check, check ? now : null);
            return result;
        }
        TrustLedger.Record(options.LedgerPath, [Mark(fingerprint, entry, held, now, options.ForgottenBy ?? $"{Environment.UserName}@{Environment.MachineName}")]);
        (result.Marked, result.Forgotten) = (true, now);
        return result;
    }

    private static KeystoreChange RemoveFrom(string store, string fingerprint, ForgetOptions options, out X509Certificate2? found)
    {
        var fallback = options.Password is null ? LedgerSync.DefaultPassword(store, options.Format) : null;
        try
        {
            return RemoveWith(store, fingerprint, options, options.Password ?? fallback, out found);
        }
        catch (KeystoreException e) when (e.Kind == KeystoreErrorKind.WrongPassword && options.Password is not null
            && LedgerSync.DefaultPassword(store, options.Format) is { } known)
        {
            using (known)
            {
                return RemoveWith(store, fingerprint, options, known, out found);
            }
        }
        finally
        {
            fallback?.Dispose();
        }
    }

    private static KeystoreChange RemoveWith(string store, string fingerprint, ForgetOptions options, KeystorePassword? password, out X509Certificate2? found)
    {
        var plan = KeystoreRemoval.Remove(store, options.Format, password, fingerprint, new SaveOptions { WhatIf = true }, out found);
        if (plan.Removed == 0)
        {
            plan.WhatIf = false;
            return plan;
        }
        if (!Allowed(options, plan.Path, $"Remove SHA-256 {fingerprint} ({plan.Entries.First(e => e.Action == KeystoreChangeAction.Removed).Subject})", out var check))
        {
            plan.WhatIf = check;
            return plan;
        }
        var change = KeystoreRemoval.Remove(store, options.Format, password, fingerprint, new SaveOptions(), out var held);
        found ??= held;
        if (change.Written)
        {
            try
            {
                LedgerAudit.Append(options.LedgerPath, LedgerAudit.Describe(change, options.Clock.GetUtcNow().UtcDateTime));
            }
            catch (KeystoreException e)
            {
                // The store is written: failing now would make a script repeat a removal that happened.
                change.Warnings = [.. change.Warnings, e.Message];
            }
        }
        return change;
    }

    private static bool Allowed(ForgetOptions options, string target, string action, out bool check)
    {
        if (options.WhatIf)
        {
            check = true;
            return false;
        }
        check = false;
        return options.Confirm is not { } confirm || confirm(target, action, out check);
    }

    private static LedgerEntry Mark(string fingerprint, LedgerEntry? known, X509Certificate2? certificate, DateTime now, string by)
    {
        if (known is not null)
        {
            // Only the mark: Record merges it into the existing record, sources and stores kept.
            return new LedgerEntry { Sha256Fingerprint = fingerprint, Subject = known.Subject, Issuer = known.Issuer, NotBefore = known.NotBefore, NotAfter = known.NotAfter,
                Pem = known.Pem, IsAnchor = known.IsAnchor, Policy = known.Policy, ApprovedBy = known.ApprovedBy, FirstRecorded = known.FirstRecorded, Forgotten = now, ForgottenBy = by };
        }
        return new LedgerEntry
        {
            Sha256Fingerprint = fingerprint,
            Subject = certificate!.Subject,
            Issuer = certificate.Issuer,
            NotBefore = certificate.NotBefore.ToUniversalTime(),
            NotAfter = certificate.NotAfter.ToUniversalTime(),
            IsAnchor = CertificateFacts.IsSelfSigned(certificate),
            ApprovedBy = "never healed; recorded only to keep it out",
            FirstRecorded = now,
            Pem = NonCanonicalCertificate.Pem(certificate),
            Forgotten = now,
            ForgottenBy = by,
        };
    }
}
