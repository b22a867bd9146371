using CertHeal.Keystores;
using CertHeal.Trust;

namespace CertHeal.Cli;

/// <summary>
/// certheal forget: Remove-KeystoreEntry. Takes a healed certificate out of the named stores (else
/// every store the ledger wrote it into) and marks it forgotten in the ledger, so sync and later
/// merges leave it out. Exit 0 when it is gone (or was already), 1 when a store kept it because it
/// holds a private key, 2 when the fingerprint matches nothing or a store could not be opened or written.
/// </summary>
internal static class ForgetVerb
{
    public static readonly Dictionary<string, bool> Options = new()
    {
        ["--fingerprint"] = true, ["--keystore"] = true, ["--ledger"] = true, ["--format"] = true,
        ["--password"] = true, ["--password-file"] = true, ["--password-env"] = true, ["--what-if"] = false, ["--json"] = false,
    };

    public static async Task<int> RunAsync(CliArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (args.Positionals.Count > 0)
        {
            throw new UsageException($"forget takes no positional arguments ('{args.Positionals[0]}'); name stores with --keystore PATH.");
        }
        var fingerprint = (args.Value("--fingerprint") ?? throw new UsageException("forget needs --fingerprint SHA256 (the certificate's SHA-256, as merge and the ledger show it)."))
            .Replace(":", "", StringComparison.Ordinal);
        if (fingerprint.Length != 64 || !fingerprint.All(Uri.IsHexDigit))
        {
            throw new UsageException($"--fingerprint '{args.Value("--fingerprint")}' is not a SHA-256 fingerprint (64 hex digits, colons allowed).");
        }
        cancellationToken.ThrowIfCancellationRequested();
        var ledgerPath = Path.GetFullPath(args.Value("--ledger") ?? TrustLedger.DefaultPath());
        using var password = PasswordOption.Read(args);
        // KeystoreFormats.FullPath: an NSS `sql:DIR` keeps its prefix and a Cert:\ path stays as it is.
        var stores = args.Values("--keystore").Select(KeystoreFormats.FullPath).ToList();
        var result = LedgerForget.Forget(fingerprint, stores, new ForgetOptions
        {
            LedgerPath = ledgerPath,
            Format = MergeVerb.Parse<KeystoreFormat>(args.Value("--format"), "--format", MergeVerb.FormatChoices),
            Password = password,
            WhatIf = args.Flag("--what-if"),
        });
        foreach (var failure in result.Failures)
        {
            await stderr.WriteLineAsync("certheal: " + failure.Describe(CliVocabulary.Instance)).ConfigureAwait(false);
        }
        foreach (var warning in result.Changes.SelectMany(c => c.Warnings))
        {
            await stderr.WriteLineAsync("certheal: warning: " + warning).ConfigureAwait(false);
        }
        if (result.NotFound)
        {
            await stderr.WriteLineAsync($"certheal: no certificate with SHA-256 {result.Sha256Fingerprint} is in the trust ledger '{ledgerPath}'"
                + (stores.Count > 0 ? $" or in {string.Join(", ", stores.Select(s => $"'{s}'"))}" : "") + "; check the fingerprint (certheal merge and confirm show it), or name the store with --keystore.").ConfigureAwait(false);
        }
        var refused = result.Changes.Any(c => c.Entries.Any(e => e.Refused));
        if (args.Flag("--json"))
        {
            await JsonOutput.WriteOneAsync(stdout, new ForgetOutput(result.Changes.Any(c => c.Changed) || result.Marked, result.Sha256Fingerprint, result.Forgotten, result.Marked, [.. result.Changes]), JsonOutput.Types.ForgetOutput)
                .ConfigureAwait(false);
        }
        else
        {
            var verb = args.Flag("--what-if") ? "would be" : "is";
            await stdout.WriteLineAsync(result.Forgotten is { } on
                ? $"SHA-256 {result.Sha256Fingerprint} {verb} forgotten in the ledger ({ledgerPath}, {on:yyyy-MM-dd}); sync and merges leave it out."
                : $"SHA-256 {result.Sha256Fingerprint}: the ledger ({ledgerPath}) is unchanged.").ConfigureAwait(false);
            await stdout.WriteAsync(TableOutput.Format(["Path", "Format", "Written", "Removed", "Kept"],
                result.Changes.Select(c => (IReadOnlyList<string>)[c.Path, c.Format, c.Written ? "yes" : c.Changed ? "would" : "no",
                    c.Removed.ToString(System.Globalization.CultureInfo.InvariantCulture), c.Skipped.ToString(System.Globalization.CultureInfo.InvariantCulture)]))).ConfigureAwait(false);
            foreach (var kept in result.Changes.SelectMany(c => c.Entries.Where(e => e.Refused).Select(e => (c.Path, e.Reason))))
            {
                await stdout.WriteLineAsync($"{kept.Path}: {kept.Reason}.").ConfigureAwait(false);
            }
        }
        return result.NotFound || result.Failures.Count > 0 ? CliApp.UsageError : refused ? CliApp.CheckFailed : CliApp.Success;
    }

    /// <summary>forget --json: Changed is whether any store or the ledger was written (with --what-if: would be); Changes as merge prints them.</summary>
    internal sealed record ForgetOutput(bool Changed, string Sha256Fingerprint, DateTime? Forgotten, bool Marked, KeystoreChange[] Changes);
}
