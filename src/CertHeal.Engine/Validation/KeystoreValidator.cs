using CertHeal.Handshake;
using CertHeal.Trust;

namespace CertHeal.Validation;

/// <summary>What a validation checks beyond the entries themselves.</summary>
public sealed class ValidationOptions
{
    public int ExpiringWithinDays { get; init; } = 30;

    /// <summary>Endpoints that must handshake with the keystore as their only trust store.</summary>
    public IReadOnlyList<TlsTarget> Endpoints { get; init; } = [];

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    public int ThrottleLimit { get; init; } = 16;

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Days: report entries expiring this soon whose successor an endpoint already presents (RenewalAvailable). 0 = off.</summary>
    public int RenewBeforeDays { get; init; }

    /// <summary>How the endpoints are reached (proxy, address family); null = environment proxy, system DNS.</summary>
    public IConnector? Connector { get; init; }

    /// <summary>Presented to endpoints that ask for a client certificate (mutual TLS).</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? ClientCertificate { get; init; }

    /// <summary>The file ClientCertificate came from, when known, so a Recommendation can name it.</summary>
    public string? ClientCertificatePath { get; init; }

    /// <summary>The host's words for the probes' Reasons and Recommendations.</summary>
    public Handshake.IHostVocabulary? Vocabulary { get; init; }

    /// <summary>
    /// Revocation checking of the entries (Revoked / RevocationUnknown findings) and of the endpoint
    /// probes. SoftFail by default, as the probe: a revoked entry is an Error, an unknown status a Warning.
    /// </summary>
    public RevocationCheckMode Revocation { get; init; } = RevocationCheckMode.SoftFail;

    /// <summary>The time cap of one OCSP or CRL request.</summary>
    public TimeSpan RevocationTimeout { get; init; } = CertHeal.Revocation.RevocationChecker.DefaultTimeout;

    /// <summary>The trust ledger: its still-valid entries the keystore lacks become LedgerDrift findings. Null = no check.</summary>
    public Trust.LedgerDocument? Ledger { get; init; }
}

/// <summary>
/// Confirm-Keystore's engine, also run by Merge-Keystore on every candidate before it replaces
/// the live file: entry findings plus real handshakes that use only this keystore's anchors.
/// </summary>
public static class KeystoreValidator
{
    /// <summary>
    /// Opens and judges a keystore file. A password or MAC failure is an Integrity finding; a JKS
    /// is then still read without its password (as keytool -list does) so the rest is judged too.
    /// </summary>
    public static async Task<KeystoreReport> ValidateFileAsync(string path, Keystores.KeystoreFormat? format, Keystores.KeystorePassword? password,
        ValidationOptions options, CancellationToken cancellationToken)
    {
        path = Keystores.KeystoreFormats.FullPath(path);
        var integrity = new List<KeystoreFinding>();
        Keystores.Keystore keystore;
        try
        {
            keystore = Keystores.KeystoreFile.Open(path, format, password);
        }
        catch (Keystores.KeystoreException e) when (e.Kind is Keystores.KeystoreErrorKind.WrongPassword)
        {
            integrity.Add(new KeystoreFinding { Severity = FindingSeverity.Error, Code = FindingCodes.Integrity, Message = e.Message });
            try
            {
                keystore = Keystores.KeystoreFile.Open(path, format, null);
            }
            catch (Keystores.KeystoreException)
            {
                return Report(path, format?.ToString() ?? Keystores.KeystoreFormats.Detect(path).ToString(), [], integrity, []);
            }
        }
        return await ValidateAsync(keystore, integrity, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Judges a keystore in memory: the candidate of a merge before it replaces the live file.</summary>
    public static Task<KeystoreReport> ValidateAsync(Keystores.Keystore keystore, IEnumerable<KeystoreFinding> integrityFindings,
        ValidationOptions options, CancellationToken cancellationToken)
    {
        var entries = keystore.Entries
            .Where(e => e.EntryType != Keystores.KeystoreEntryType.Other || e.Unreadable is not null)
            .Select(e => new ValidatedEntry(e.Alias, e.Unreadable is null ? e.Certificate : null, e.Unreadable,
                e.EntryType == Keystores.KeystoreEntryType.PrivateKey))
            .Where(e => e.Certificate is not null || e.UnreadableReason is not null)
            .ToList();
        if (keystore.Entries.Count == 0)
        {
            // Valid (an empty file is an empty keystore) but worth saying: a truststore that trusts nothing.
            integrityFindings = integrityFindings.Append(new KeystoreFinding
            {
                Severity = FindingSeverity.Info,
                Code = FindingCodes.Empty,
                Message = $"The keystore '{keystore.Path}' is empty: it holds no certificates, so as a trust store it trusts nothing.",
            });
        }
        integrityFindings = integrityFindings.Concat(NssTrustFindings.For(keystore));
        return ValidateAsync(keystore.Path, keystore.Format.ToString(), entries, integrityFindings, options, cancellationToken);
    }

    /// <summary>Entries expiring within the window whose successor (same subject and issuer, later expiry) an endpoint presents.</summary>
    private static IEnumerable<KeystoreFinding> Renewals(IReadOnlyList<ValidatedEntry> entries, List<HandshakeResult> endpoints, DateTime now, int days, Handshake.IHostVocabulary words)
    {
        foreach (var entry in entries.Where(e => e.Certificate is not null && (e.Certificate.NotAfter.ToUniversalTime() - now).TotalDays <= days))
        {
            var old = entry.Certificate!;
            var successor = endpoints.SelectMany(e => e.PresentedChain.Select(c => (Endpoint: e.Target, c.Certificate)))
                .FirstOrDefault(p => p.Certificate is not null && CertificateFacts.Renews(p.Certificate, old));
            if (successor.Certificate is not null)
            {
                yield return new KeystoreFinding
                {
                    Severity = FindingSeverity.Warning,
                    Code = FindingCodes.RenewalAvailable,
                    Alias = entry.Alias,
                    Subject = old.Subject,
                    Thumbprint = old.Thumbprint,
                    Message = $"'{entry.Alias}' expires on {old.NotAfter.ToUniversalTime():yyyy-MM-dd} and {successor.Endpoint} already presents its successor (valid until {successor.Certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}); {words.Render(new Remedy { Kind = RemedyKind.RenewNow, Days = days })}.",
                };
            }
        }
    }

    private static KeystoreReport Report(string path, string format, IReadOnlyList<ValidatedEntry> entries, List<KeystoreFinding> findings, List<HandshakeResult> endpoints) => new()
    {
        Path = path,
        Format = format,
        EntryCount = entries.Count,
        Findings = [.. findings],
        Endpoints = [.. endpoints],
        IsValid = findings.All(f => f.Severity != FindingSeverity.Error),
    };

    public static async Task<KeystoreReport> ValidateAsync(string path, string format, IReadOnlyList<ValidatedEntry> entries,
        IEnumerable<KeystoreFinding> integrityFindings, ValidationOptions options, CancellationToken cancellationToken)
    {
        var now = options.Clock.GetUtcNow().UtcDateTime;
        var findings = integrityFindings.Concat(EntryValidator.Validate(entries, now, options.ExpiringWithinDays, options.Vocabulary)).ToList();
        if (options.Ledger is not null)
        {
            findings.AddRange(Trust.LedgerDrift.Findings(entries.Where(e => e.Certificate is not null).Select(e => e.Certificate!), options.Ledger, now, options.Vocabulary ?? Handshake.NeutralVocabulary.Instance));
            if (options.Ledger.Path is { } ledgerPath)
            {
                findings.AddRange(Trust.LedgerHealth.Findings(ledgerPath, options.Vocabulary ?? Handshake.NeutralVocabulary.Instance));
            }
        }
        findings.AddRange(await Revocation.EntryRevocation.FindingsAsync(entries, options, now, cancellationToken).ConfigureAwait(false));
        var anchors = TrustAnchors.FromCertificates(path, entries.Where(e => e.Certificate is not null && !e.IsPrivateKeyEntry).Select(e => e.Certificate!));
        var endpoints = new List<HandshakeResult>();
        if (options.Endpoints.Count > 0)
        {
            var probe = new ProbeOptions { Trust = anchors, Timeout = options.Timeout, Clock = options.Clock, Connector = options.Connector ?? ReachConnector.Default, ClientCertificate = options.ClientCertificate,
                ClientCertificatePath = options.ClientCertificatePath, Vocabulary = options.Vocabulary ?? Handshake.NeutralVocabulary.Instance,
                Revocation = options.Revocation, RevocationTimeout = options.RevocationTimeout };
            await foreach (var result in ProbeBatch.Run(options.Endpoints, probe, options.ThrottleLimit, cancellationToken).ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                endpoints.Add(result);
            }
            endpoints = endpoints.OrderBy(r => options.Endpoints.ToList().FindIndex(t => t.Display == r.Target)).ToList();
            if (options.RenewBeforeDays > 0)
            {
                findings.AddRange(Renewals(entries, endpoints, now, options.RenewBeforeDays, options.Vocabulary ?? Handshake.NeutralVocabulary.Instance));
            }
            findings.AddRange(endpoints.Where(e => !EndpointTrust.Trusts(e)).Select(e => new KeystoreFinding
            {
                Severity = FindingSeverity.Error,
                Code = FindingCodes.EndpointFailed,
                Message = $"With this keystore as the trust store, {e.Reason}",
            }));
        }
        return Report(path, format, entries, findings, endpoints);
    }
}
