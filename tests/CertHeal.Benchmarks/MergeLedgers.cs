using System.Diagnostics;

namespace CertHeal.Benchmarks;

/// <summary>
/// The trust ledger each measured merge records into, in a stated state: a fresh empty one, or a
/// copy of one 100,000-entry / 1,000-store ledger seeded once (as the ledger section and the ledger
/// scale test seed it). A merge adds its certificates to the ledger, so every merge gets its own
/// copy and none sees what an earlier one recorded. The copy is hard links (`cp -al`): the ledger
/// replaces a record by rename, never in place, so the seeded original stays as it was.
/// </summary>
internal sealed class MergeLedgers(string work)
{
    public const int SeededEntries = Stores * PerStore;
    private const int Stores = 1_000, PerStore = 100;
    private int _next;
    private string? _seeded;

    /// <summary>A ledger.json path whose folder does not exist yet: an empty ledger.</summary>
    public string Empty() => Path.Combine(work, $"merge-ledger-{_next++}", "ledger.json");

    /// <summary>A ledger.json path over a private copy of the seeded 100,000-entry ledger.</summary>
    public string Seeded()
    {
        if (_seeded is null)
        {
            _seeded = Path.Combine(work, "merge-ledger-seed", "ledger.json");
            var storesFolder = Directory.CreateDirectory(Path.Combine(work, "merge-ledger-seed-stores")).FullName;
            var clock = Stopwatch.StartNew();
            CertHeal.TestSupport.LedgerSeed.Seed(_seeded, Stores, PerStore, s => Path.Combine(storesFolder, $"store{s}.pem"));
            Console.Error.WriteLine($"merge: seeded a {SeededEntries:N0}-entry ledger in {clock.Elapsed.TotalSeconds:0.0} s");
        }
        var copy = Path.Combine(work, $"merge-ledger-{_next++}", "ledger.json");
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        var link = Measured.Run("cp", ["-al", Path.Combine(Path.GetDirectoryName(_seeded)!, "ledger"), Path.Combine(Path.GetDirectoryName(copy)!, "ledger")], TimeSpan.FromMinutes(5));
        if (link.ExitCode != 0)
        {
            throw new InvalidOperationException($"Copying the seeded ledger failed: {link.Stderr.Trim()}");
        }
        return copy;
    }
}
