using CertHeal.Chains;
using CertHeal.Keystores;

namespace CertHeal.Trust;

/// <summary>How Sync-Keystore re-applies the ledger.</summary>
public sealed class SyncOptions
{
    public bool WhatIf { get; init; }

    /// <summary>What "trusted by the OS" means for intermediates; null = the system's roots (tests inject a lab set).</summary>
    public TrustAnchors? System { get; init; }

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Where the stores Sync writes are recorded back (normally the ledger itself); null records nothing.</summary>
    public IMergeRecorder? Recorder { get; init; }
}

/// <summary>
/// Sync-Keystore: re-applies the trust ledger to a keystore (after a JDK or certifi upgrade
/// replaced it) through the one merge path, so it is atomic, locked, idempotent and read back.
/// Anchors go in as pinned by their recorded SHA-256 (the ledger is the consent that was given);
/// intermediates only where they chain to a trusted root, as when they were healed. Expired and
/// forgotten entries are skipped by the merge rules; entries already there are Unchanged. No handshakes.
/// </summary>
public static class LedgerSync
{
    /// <summary>
    /// Sync with the password given, else (or when the given one is wrong) the store's well-known
    /// default that really opens it, as `certheal sync` without keystores needs for every JDK's cacerts.
    /// </summary>
    public static KeystoreChange SyncStore(string path, KeystoreFormat? format, KeystorePassword? given, LedgerDocument ledger, SyncOptions options)
    {
        try
        {
            if (given is not null)
            {
                return Sync(path, format, given, ledger, options);
            }
        }
        catch (KeystoreException e) when (e.Kind is KeystoreErrorKind.WrongPassword)
        {
            if (DefaultPassword(path, format) is not { } fallback)
            {
                throw;
            }
            using (fallback)
            {
                return Sync(path, format, fallback, ledger, options);
            }
        }
        using var password = DefaultPassword(path, format);
        return Sync(path, format, password, ledger, options);
    }

    internal static KeystorePassword? DefaultPassword(string path, KeystoreFormat? format) =>
        File.Exists(path) && Discovery.WellKnownPasswords.Find(path, format ?? KeystoreFormats.Detect(path)) is { } found ? KeystorePassword.FromString(found.Password) : null;

    public static KeystoreChange Sync(string path, KeystoreFormat? format, KeystorePassword? password, LedgerDocument ledger, SyncOptions options)
    {
        var certificates = new List<System.Security.Cryptography.X509Certificates.X509Certificate2>();
        foreach (var entry in ledger.Entries)
        {
            try
            {
                var certificate = CertificateInput.FromPem(entry.Pem);
                if (!CertificateFacts.Sha256Fingerprint(certificate).Equals(entry.Sha256Fingerprint, StringComparison.OrdinalIgnoreCase))
                {
                    throw new FormatException("its PEM does not match its SHA-256");
                }
                certificates.Add(certificate);
            }
            catch (Exception e) when (e is FormatException or System.Security.Cryptography.CryptographicException)
            {
                throw new KeystoreException(KeystoreErrorKind.Corrupt, path,
                    $"The ledger entry '{entry.Subject}' (SHA-256 {entry.Sha256Fingerprint}) is damaged ({e.Message.TrimEnd('.')}), so '{path}' was left unchanged; fix or remove that entry.");
            }
        }
        // Anchors first, so intermediates that chain to a pinned anchor are judged with it present.
        certificates = [.. certificates.OrderBy(c => CertificateFacts.IsSelfSigned(c) ? 0 : 1)];
        // A forgotten entry is neither pinned nor left out here: the merge's ForgetRule skips it with its date.
        var pins = ledger.Entries.Where(e => e.IsAnchor && e.Forgotten is null).Select(e => e.Sha256Fingerprint).ToList();
        var forgotten = ledger.Entries.Where(e => e.Forgotten is not null).ToDictionary(e => e.Sha256Fingerprint, e => e.Forgotten, StringComparer.OrdinalIgnoreCase);
        var merge = new MergeOptions
        {
            Policy = pins.Count > 0 ? TrustPolicy.Pinned : TrustPolicy.ChainToTrusted,
            TrustedFingerprints = pins,
            System = options.System,
            Clock = options.Clock,
            Recorder = options.Recorder,
            ForgottenOn = f => forgotten.GetValueOrDefault(f),
        };
        var change = KeystoreMerger.Merge(path, format, password, certificates, merge, new SaveOptions { WhatIf = options.WhatIf });
        foreach (var row in change.Entries.Where(r => r.Action == KeystoreChangeAction.Skipped && r.NotAfter < options.Clock.GetUtcNow().UtcDateTime))
        {
            row.Reason = $"expired on {row.NotAfter:yyyy-MM-dd}; the ledger keeps it, Sync does not re-apply it ({row.Reason})";
        }
        return change;
    }
}
