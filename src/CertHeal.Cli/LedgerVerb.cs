using CertHeal.Trust;

namespace CertHeal.Cli;

/// <summary>
/// certheal ledger prune: forgets stores that no longer exist (and the entries only they held).
/// Explicit on purpose, because a store can be missing for a moment during an upgrade.
/// Exit 0 when the prune ran (or, with --what-if, was planned), 2 when the ledger could not be written.
/// </summary>
internal static class LedgerVerb
{
    public static readonly Dictionary<string, bool> Options = new()
    {
        ["--ledger"] = true, ["--absent-days"] = true, ["--what-if"] = false, ["--json"] = false,
    };

    public static async Task<int> RunAsync(CliArguments args, TextWriter stdout, CancellationToken cancellationToken)
    {
        if (args.Positionals.Count != 1 || args.Positionals[0] != "prune")
        {
            throw new UsageException("ledger needs one action: prune.");
        }
        var ledgerPath = Path.GetFullPath(args.Value("--ledger") ?? TrustLedger.DefaultPath());
        var result = await LedgerPrune.PruneAsync(ledgerPath, args.Flag("--what-if"), args.Int("--absent-days", 0, 36500), cancellation: cancellationToken).ConfigureAwait(false);
        if (args.Flag("--json"))
        {
            await JsonOutput.WriteOneAsync(stdout, result, JsonOutput.Types.LedgerPruneResult).ConfigureAwait(false);
            return CliApp.Success;
        }
        var verb = result.WhatIf ? "would forget" : "forgot";
        await stdout.WriteLineAsync($"{result.LedgerPath}: {verb} {result.StoresRemoved.Length} missing stores and {result.EntriesRemoved} entries only they held; {result.StoresKept} stores kept"
            + (result.StoresAbsentKept.Length > 0 ? $" ({result.StoresAbsentKept.Length} missing for fewer than the stated days)" : "")
            + (result.Changed ? result.WhatIf ? "; the ledger would change" : "; the ledger changed" : "; the ledger is unchanged") + $" ({result.Duration.TotalSeconds:0.0} s).").ConfigureAwait(false);
        foreach (var store in result.StoresRemoved)
        {
            await stdout.WriteLineAsync("  " + store).ConfigureAwait(false);
        }
        return CliApp.Success;
    }
}
