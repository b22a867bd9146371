using CertHeal.Discovery;
using CertHeal.Keystores;
using CertHeal.Trust;

namespace CertHeal.Cli;

/// <summary>
/// certheal sync: Sync-Keystore. Without keystores, every writable store `certheal find`
/// reports. Passwords: the one given (three forms), else the store's well-known default.
/// Exit 0 when every store synced, 2 when one could not be opened or written (the others still run).
/// </summary>
internal static class SyncVerb
{
    public static readonly Dictionary<string, bool> Options = new()
    {
        ["--ledger"] = true, ["--format"] = true, ["--password"] = true, ["--password-file"] = true, ["--password-env"] = true,
        ["--what-if"] = false, ["--json"] = false, ["--hook"] = false,
    };

    public static async Task<int> RunAsync(CliArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (args.Flag("--hook"))
        {
            return await HookAsync(args, stdout, cancellationToken).ConfigureAwait(false);
        }
        var ledgerPath = Path.GetFullPath(args.Value("--ledger") ?? TrustLedger.DefaultPath());
        var ledger = TrustLedger.Read(ledgerPath);
        var format = MergeVerb.Parse<KeystoreFormat>(args.Value("--format"), "--format", MergeVerb.FormatChoices);
        using var password = PasswordOption.Read(args);
        var stores = args.Positionals.Count > 0
            ? args.Positionals.Select(KeystoreFormats.FullPath).ToList()
            : KeystoreFinder.Find(new FindOptions(), cancellationToken: cancellationToken).Where(l => l.Writable && l.Kind != KeystoreKind.WindowsStore)
                .Select(l => l.Path).ToList();
        var options = new SyncOptions { WhatIf = args.Flag("--what-if"), Recorder = new LedgerRecorder(ledgerPath) };
        var changes = new List<KeystoreChange>();
        var failed = false;
        foreach (var path in stores)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                var change = LedgerSync.SyncStore(path, format, password, ledger, options);
                changes.Add(change);
                foreach (var warning in change.Warnings)
                {
                    await stderr.WriteLineAsync("certheal: warning: " + warning).ConfigureAwait(false);
                }
            }
            catch (KeystoreException e)
            {
                failed = true;
                await stderr.WriteLineAsync("certheal: " + e.Describe(CliVocabulary.Instance)).ConfigureAwait(false);
            }
        }
        if (args.Flag("--json"))
        {
            await JsonOutput.WriteOneAsync(stdout, new SyncOutput(changes.Any(c => c.Changed), [.. changes]), JsonOutput.Types.SyncOutput).ConfigureAwait(false);
        }
        else
        {
            await stdout.WriteLineAsync($"{ledger.Entries.Count} ledger entries ({ledgerPath}), {changes.Count} keystores.").ConfigureAwait(false);
            await stdout.WriteAsync(TableOutput.Format(["Path", "Format", "Written", "Added", "Unchanged", "Skipped"],
                changes.Select(c => (IReadOnlyList<string>)[c.Path, c.Format, c.Written ? "yes" : c.Changed ? "would" : "no",
                    (c.Added + c.Replaced).ToString(System.Globalization.CultureInfo.InvariantCulture), c.Unchanged.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    c.Skipped.ToString(System.Globalization.CultureInfo.InvariantCulture)]))).ConfigureAwait(false);
        }
        return failed ? CliApp.UsageError : CliApp.Success;
    }

    /// <summary>
    /// sync --hook: what an upgrade hook runs. The system ledger (not the caller's), every store it
    /// names, no prompt, nothing on the terminal but --json; the engine logs each outcome. Exit 0
    /// always: a hook never fails the upgrade that ran it.
    /// </summary>
    private static async Task<int> HookAsync(CliArguments args, TextWriter stdout, CancellationToken cancellationToken)
    {
        if (args.Positionals.Count > 0 || args.Flag("--what-if"))
        {
            throw new UsageException("sync --hook syncs every store the system ledger names; it takes no keystores and no --what-if.");
        }
        var ledgerPath = Path.GetFullPath(args.Value("--ledger") ?? SystemLedger.DefaultPath);
        var result = HookSync.Run(ledgerPath, new SyncOptions { Recorder = new LedgerRecorder(ledgerPath) }, cancellationToken);
        if (args.Flag("--json"))
        {
            await JsonOutput.WriteOneAsync(stdout, new HookOutput(result.Changes.Any(c => c.Changed), [.. result.Changes], [.. result.Log]), JsonOutput.Types.HookOutput).ConfigureAwait(false);
        }
        return CliApp.Success;
    }

    /// <summary>sync --hook --json: the changes and the lines that were logged.</summary>
    internal sealed record HookOutput(bool Changed, KeystoreChange[] Changes, string[] Log);

    /// <summary>sync --json: one store or many, the top-level Changed is whether any store changed (or, with --what-if, would).</summary>
    internal sealed record SyncOutput(bool Changed, KeystoreChange[] Changes);
}
