using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Keystores;

/// <summary>Merge-Keystore and `certheal merge`: the merge rules, run through the one atomic write path.</summary>
public static class KeystoreMerger
{
    /// <param name="endpoints">
    /// Where the certificates came from: the candidate keystore must handshake with each of them,
    /// alone as the trust store, before it replaces the live one. Empty skips that check.
    /// </param>
    public static KeystoreChange Merge(string path, KeystoreFormat? format, KeystorePassword? password,
        IReadOnlyList<X509Certificate2> incoming, MergeOptions options, SaveOptions write, IReadOnlyList<Handshake.TlsTarget>? endpoints = null)
    {
        if (endpoints is { Count: > 0 })
        {
            write = new SaveOptions
            {
                LockTimeout = write.LockTimeout, WhatIf = write.WhatIf, Cancellation = write.Cancellation, Validate = candidate => EndpointsFailing(candidate, endpoints),
            };
        }
        List<KeystoreChangeEntry> changes = [];
        var result = KeystoreFile.Update(path, format, password, keystore =>
        {
            keystore.NewPkcs12Encryption = options.Pkcs12Encryption;
            changes = KeystoreMerge.Apply(keystore, incoming, options);
            write.Cancellation.ThrowIfCancellationRequested();
            return changes.Any(c => c.Action is KeystoreChangeAction.Added or KeystoreChangeAction.Replaced or KeystoreChangeAction.Removed);
        }, write);
        var change = new KeystoreChange
        {
            Path = Path.GetFullPath(path),
            Format = result.Format.ToString(),
            Policy = options.Policy,
            WhatIf = write.WhatIf,
            Written = result.Written,
            BackupPath = result.BackupPath,
            Entries = [.. changes],
            Added = changes.Count(c => c.Action == KeystoreChangeAction.Added),
            Replaced = changes.Count(c => c.Action == KeystoreChangeAction.Replaced),
            Unchanged = changes.Count(c => c.Action == KeystoreChangeAction.Unchanged),
            Skipped = changes.Count(c => c.Action == KeystoreChangeAction.Skipped),
            Removed = changes.Count(c => c.Action == KeystoreChangeAction.Removed),
        };
        if (result.Written && options.Recorder is not null)
        {
            try
            {
                options.Recorder.Record(change, incoming, endpoints ?? []);
            }
            catch (Exception e) when (e is KeystoreException or IOException or UnauthorizedAccessException)
            {
                // The keystore is written: failing here would make scripts repeat or undo a merge that happened.
                change.Warnings = [.. change.Warnings, e.Message];
            }
        }
        return change;
    }

    private static string? EndpointsFailing(Keystore candidate, IReadOnlyList<Handshake.TlsTarget> endpoints)
    {
        var report = Validation.KeystoreValidator.ValidateAsync(candidate, [], new Validation.ValidationOptions { Endpoints = endpoints }, CancellationToken.None)
            .GetAwaiter().GetResult();
        var failed = report.Endpoints.Where(e => !Validation.EndpointTrust.Trusts(e)).ToList();
        return failed.Count == 0 ? null
            : $"with the merged keystore as the only trust store, {string.Join("; ", failed.Select(f => f.Reason.TrimEnd('.')))} (use -SkipValidation to write it anyway).";
    }

    /// <summary>The per-user keystore used when no path is given: $CERTHEAL_KEYSTORE, else ~/.certheal/truststore.pem.</summary>
    public static string DefaultKeystorePath()
    {
        var configured = Environment.GetEnvironmentVariable("CERTHEAL_KEYSTORE");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured);
        }
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".certheal", "truststore.pem");
    }
}
