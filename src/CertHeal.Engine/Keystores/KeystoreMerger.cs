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
        IReadOnlyList<X509Certificate2> incoming, MergeOptions options, SaveOptions write, IReadOnlyList<Handshake.TlsTarget>? endpoints = null) =>
        Run(path, format, password, incoming, options, write, endpoints, new MergeDecisions(), null, null);

    /// <summary>
    /// Plans a merge without the store's lock and without asking anyone: every incoming certificate
    /// with its typed consent, and the anchors that need approval. Nothing is written.
    /// </summary>
    public static MergePlan Plan(string path, KeystoreFormat? format, KeystorePassword? password,
        IReadOnlyList<X509Certificate2> incoming, MergeOptions options, CancellationToken cancellationToken)
    {
        var decisions = new MergeDecisions();
        byte[]? digest = null;
        var existed = false;
        var parsed = new List<X509Certificate2>();
        var change = Run(path, format, password, incoming, options.WithApproval(null, options.Approver), new SaveOptions { WhatIf = true, Cancellation = cancellationToken }, null, decisions,
            keystore => (digest, existed) = (keystore.SourceDigest, !keystore.IsNew), parsed);
        return new MergePlan(path, format, password, incoming, options, change, digest, existed, decisions) { Parsed = parsed };
    }

    /// <summary>
    /// Writes a plan under the store's lock with the approvals its host gathered (null: every anchor
    /// the policy allows). The plan's decisions are reused when the store's bytes are those the plan
    /// read; otherwise the merge is planned again under the lock, and an anchor the host was not
    /// asked about is refused rather than asked about with the lock held.
    /// </summary>
    /// <param name="approvedBy">Who gathered <paramref name="approved"/> (the person at the host, or an approval hook), for the audit trail.</param>
    public static KeystoreChange Commit(MergePlan plan, IReadOnlyCollection<string>? approved, SaveOptions write, IReadOnlyList<Handshake.TlsTarget>? endpoints = null,
        ConsentSource approvedBy = ConsentSource.ApprovedByHost)
    {
        var approvedSet = approved?.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var options = plan.Options.WithApproval(approvedSet is null ? null : approvedSet.Contains, approvedBy);
        try
        {
            // The store's certificates as the plan parsed them: reading the same bytes again under
            // the lock reuses them by their bytes instead of parsing every entry a second time.
            using (CertificateReuse.Open(plan.Parsed))
            {
                return Run(plan.Path, plan.Format, plan.Password, plan.Incoming, options, write, endpoints, plan.Decisions, current =>
                {
                    if (!plan.Matches(current))
                    {
                        plan.Decisions.Clear();
                        plan.Replanned = true;
                    }
                }, null);
            }
        }
        finally
        {
            // Freed once: a second commit of the same plan parses afresh.
            var parsed = plan.Parsed;
            plan.Parsed = [];
            foreach (var certificate in parsed)
            {
                certificate.Dispose();
            }
        }
    }

    private static KeystoreChange Run(string path, KeystoreFormat? format, KeystorePassword? password, IReadOnlyList<X509Certificate2> incoming,
        MergeOptions options, SaveOptions write, IReadOnlyList<Handshake.TlsTarget>? endpoints, MergeDecisions decisions, Action<Keystore>? read,
        List<X509Certificate2>? keep)
    {
        var endpointsRefused = false;
        if (endpoints is { Count: > 0 })
        {
            write = new SaveOptions
            {
                LockTimeout = write.LockTimeout, WhatIf = write.WhatIf, Cancellation = write.Cancellation, Validate = candidate => EndpointsFailing(candidate, endpoints) is { } refusal ? Refusing(out endpointsRefused, refusal) : null,
            };
        }
        // The Debian way: the generated OS bundle is planned, not patched; its sources are written instead.
        var debian = write.WhatIf ? null : DebianCaCertificates.For(path);
        var debianPlans = debian is not null && !DebianCaCertificates.InsideUpdate;
        var planned = debianPlans ? new SaveOptions { LockTimeout = write.LockTimeout, WhatIf = true, Cancellation = write.Cancellation, Validate = write.Validate } : write;
        List<KeystoreChangeEntry> changes = [];
        KeystoreWriteResult result;
        var parsed = new List<Keystore>();
        try
        {
            // The store's certificates are indexed by their bytes and parsed only where a rule needs one.
            using var deferral = CertificateDeferral.Open();
            KeystoreWriteResult Update(SaveOptions how) => KeystoreFile.Update(path, format, password, keystore =>
            {
                parsed.Add(keystore);
                read?.Invoke(keystore);
                keystore.NewPkcs12Encryption = options.Pkcs12Encryption;
                changes = KeystoreMerge.Apply(keystore, incoming, options, decisions);
                write.Cancellation.ThrowIfCancellationRequested();
                return changes.Any(c => c.Action is KeystoreChangeAction.Added or KeystoreChangeAction.Replaced or KeystoreChangeAction.Removed);
            }, how);
            result = Update(planned);
            if (debianPlans && result.Changed && changes.Any(c => c.Action == KeystoreChangeAction.Removed))
            {
                // Sources can only add: a removal (-RemoveDistrusted) is patched into the bundle as before
                // rather than reported and then regenerated back in; deselecting the CA in
                // /etc/ca-certificates.conf is what makes it last, and that is the administrator's call.
                debian = null;
                result = Update(write);
            }
            if (debian is not null && result.Changed)
            {
                if (debianPlans && File.Exists(path))
                {
                    // A bundle that cannot be replaced (chattr +i) refuses before any source is written:
                    // update-ca-certificates would otherwise link the source into /etc/ssl/certs and half-trust it.
                    KeystoreFile.EnsureWritable(path);
                }
                debian.WriteSources(changes, incoming, write.Cancellation);
                if (debianPlans)
                {
                    var backup = debian.Backup(path);
                    debian.Regenerate();
                    result = result with { Written = true, BackupPath = backup };
                }
            }
        }
        catch (KeystoreException e) when (endpointsRefused && e.Kind == KeystoreErrorKind.ValidationFailed)
        {
            // Only the caller's command can skip the endpoint check, so the refusal carries that remedy for its host to word.
            throw new KeystoreException(e.Kind, e.Path, e.Message.TrimEnd('.') + "; ", RemedyKind.SkipValidation, e);
        }
        finally
        {
            Release(parsed, incoming, keep);
        }
        if (!result.Written)
        {
            // Nothing was written, so nothing consented to anything yet: a plan must not read as an approval.
            changes.ForEach(c => c.ApprovedBy = null);
        }
        var change = new KeystoreChange
        {
            Path = KeystoreFormats.FullPath(path),
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

    /// <summary>
    /// Frees the certificates parsed from the store (never the caller's incoming ones): nothing of
    /// a merge's result holds them, and left to the finalizer their native copies kept a
    /// 20,000-entry merge's plan and commit in memory at once.
    /// </summary>
    /// <param name="keep">A plan's list: its certificates are kept for the commit to reuse, and freed by it.</param>
    private static void Release(List<Keystore> parsed, IReadOnlyList<X509Certificate2> incoming, List<X509Certificate2>? keep)
    {
        var callers = new HashSet<X509Certificate2>(incoming, ReferenceEqualityComparer.Instance);
        foreach (var certificate in parsed.SelectMany(k => k.Entries).Select(e => e.ParsedCertificate).OfType<X509Certificate2>())
        {
            if (!callers.Contains(certificate))
            {
                if (keep is null)
                {
                    certificate.Dispose();
                }
                else if (callers.Add(certificate))
                {
                    keep.Add(certificate);
                }
            }
        }
    }

    private static string Refusing(out bool refused, string refusal)
    {
        refused = true;
        return refusal;
    }

    private static string? EndpointsFailing(Keystore candidate, IReadOnlyList<Handshake.TlsTarget> endpoints)
    {
        var report = Validation.KeystoreValidator.ValidateAsync(candidate, [], new Validation.ValidationOptions { Endpoints = endpoints }, CancellationToken.None)
            .GetAwaiter().GetResult();
        var failed = report.Endpoints.Where(e => !Validation.EndpointTrust.Trusts(e)).ToList();
        return failed.Count == 0 ? null
            : $"with the merged keystore as the only trust store, {string.Join("; ", failed.Select(f => f.Reason.TrimEnd('.')))}.";
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
