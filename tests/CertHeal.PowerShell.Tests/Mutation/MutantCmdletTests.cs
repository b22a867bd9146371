using System.Diagnostics;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using CertHeal.PowerShell.Tests.Harness;
using CertHeal.Tests.Mutation;
using CertHeal.TestSupport;
using Xunit.Abstractions;

namespace CertHeal.PowerShell.Tests.Mutation;

/// <summary>
/// The cmdlets' half of the byte-level mutation test: the same mutants the CLI test makes
/// (<see cref="MutantStores"/>: Debian's Java cacerts copy, a keytool PKCS#12, both half
/// re-sealed with the known password, a PEM bundle and a folder made by openssl) through
/// Confirm-Keystore and Merge-Keystore in the hosted engine. Each run ends with output or
/// ErrorRecords whose ErrorId is CertHeal's, never an unhandled .NET exception surfacing as a
/// RuntimeException or a System.* ErrorId, and the originals stay untouched. CERTHEAL_MUTANTS:
/// unset, 40 (CI); "full", the issue's 100; a number n, n/10 (the CLI test runs n).
/// </summary>
[Trait("Category", "Heavy")]
public sealed class MutantCmdletTests(ITestOutputHelper output)
{
    private static int Count => MutantCount.Scaled(40, 100);

    [SkippableFact]
    public async Task Mutated_stores_end_in_output_or_a_CertHeal_ErrorRecord_never_an_unhandled_exception()
    {
        Skip.If(MutantStores.Missing is not null, MutantStores.Missing);
        using var stores = await MutantStores.CreateAsync();
        using var incoming = X509Certificate2.CreateFromPem(File.ReadAllText(stores.Incoming));
        using var ps = PsSession.NoUi();
        var random = new Random(100_100);
        var failures = new List<string>();
        var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Count; i++)
        {
            var mutant = stores.Make(random, i);
            var merge = random.Next(2) == 0;
            var script = (merge
                    ? "param($Path, $Format, $Password, $Certificate) Merge-Keystore -LiteralPath $Path -Certificate $Certificate -TrustPolicy TrustOnFirstUse -Force"
                    : "param($Path, $Format, $Password, $Certificate) Confirm-Keystore -LiteralPath $Path")
                + (mutant.IsFolder ? " -Format $Format" : "")
                + (mutant.NeedsPassword ? " -Password $Password" : "");
            PsResult result;
            try
            {
                result = ps.Run(script, new()
                {
                    ["Path"] = mutant.Path,
                    ["Format"] = "Directory",
                    ["Password"] = Secrets.Of(MutantStores.Password),
                    ["Certificate"] = incoming,
                });
            }
            catch (Exception e)
            {
                failures.Add($"{mutant.Kind} {(merge ? "merge" : "confirm")} {mutant.Path}: escaped {e.GetType().Name}: {e.Message}");
                continue;
            }
            var verb = merge ? "Merge-Keystore" : "Confirm-Keystore";
            if (Judge(result) is { } problem)
            {
                failures.Add($"{verb} on {mutant.Kind}{(mutant.Resealed ? " (re-sealed)" : "")} {mutant.Path}: {problem}");
            }
            var outcome = $"{verb} {mutant.Kind}: " + (result.AllErrors.Count == 0 ? "output" : string.Join("+", result.ErrorIds.Distinct()));
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            MutantStores.Delete(mutant.Path);
        }

        output.WriteLine($"{Count} mutants through the cmdlets in {clock.Elapsed.TotalSeconds:F1} s; {failures.Count} ended badly.");
        foreach (var (outcome, count) in outcomes)
        {
            output.WriteLine($"  {count,4} {outcome}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {Count} mutants ended badly:\n" + string.Join('\n', failures.Take(10)));
        Assert.Empty(stores.ChangedOriginals());
    }

    /// <summary>Null when the run ended in output or CertHeal's own ErrorRecords; else what went wrong.</summary>
    private static string? Judge(PsResult result)
    {
        if (result.Output.Count == 0 && result.AllErrors.Count == 0)
        {
            return "neither output nor an error";
        }
        foreach (var error in result.AllErrors)
        {
            var id = PsResult.ErrorId(error);
            if (!id.StartsWith("CertHeal.", StringComparison.Ordinal))
            {
                return $"ErrorId {error.FullyQualifiedErrorId} ({error.Exception.GetType().FullName}: {error.Exception.Message})";
            }
            if (error.Exception is RuntimeException { InnerException: { } inner } && inner is not RuntimeException)
            {
                return $"{error.FullyQualifiedErrorId} wraps {inner.GetType().FullName}: {inner.Message}";
            }
        }
        return null;
    }
}
