using System.Security.Cryptography;
using CertHeal.Keystores;
using CertHeal.Tests.Keystores;
using Xunit.Abstractions;

namespace CertHeal.Tests.Reliability;

/// <summary>
/// An NSS database's write path (lock, backup of the db files, journal, certutil adds, roll-forward)
/// with the real certutil: a merge killed at any step leaves, once the database is next opened,
/// exactly the old or the new set as certutil itself lists it, and eight merges at once lose nothing.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class NssReliabilityTests(ITestOutputHelper output)
{
    /// <summary>Each file write point bare (the first write reached: the backup of cert9.db) and in the journal's write; then the points between certutil operations.</summary>
    public static TheoryData<string> Points()
    {
        var data = new TheoryData<string>();
        foreach (var point in KeystoreFaultPoints.All)
        {
            data.Add(point);
            data.Add(point + "@.journal");
        }
        foreach (var point in KeystoreFaultPoints.StoreOperations)
        {
            data.Add(point);
        }
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Points))]
    public async Task A_merge_killed_at_each_step_leaves_old_or_new_as_certutil_lists_it_after_the_next_open(string point)
    {
        Skip.IfNot(NssTestKit.Available, NssTestKit.Missing);
        var root = ReliabilityKit.NewFolder("nss-point");
        try
        {
            var db = await NssTestKit.NewDatabase(root);
            var path = "sql:" + db;
            var old = ReliabilityKit.Certificates("nss-point-base", 3);
            var incoming = ReliabilityKit.Certificates("nss-point-new", 3);
            var bundle = Path.Combine(root, "incoming.pem");
            ReliabilityKit.WritePemBundle(bundle, incoming);
            var oldSet = ReliabilityKit.Fingerprints(old);
            var newSet = ReliabilityKit.Fingerprints(old.Concat(incoming));
            KeystoreFile.Update(path, null, null, k => KeystoreTestKit.AddTo(k, old));
            Assert.Equal(oldSet, await NssTestKit.Fingerprints(db));
            var environment = new Dictionary<string, string> { ["CERTHEAL_LEDGER"] = Path.Combine(root, "ledger.json"), [KeystoreFaultPoints.EnvironmentVariable] = point };

            var killed = await ReliabilityKit.RunCliAsync(ReliabilityKit.MergeArgs(path, bundle), environment);

            Assert.True(killed.Code == ReliabilityKit.KilledExitCode, $"the writer was not killed at {point}: exit {killed.Code} {killed.Stderr}");
            var journal = NssDatabase.For(path).JournalPath();
            var journaled = File.Exists(journal);
            var opened = StoreSet(path); // the next open: rolls a journal forward
            var listed = await NssTestKit.Fingerprints(db);
            Assert.Equal(opened, listed);
            Assert.True(listed.SequenceEqual(oldSet) || listed.SequenceEqual(newSet), $"after a kill at {point} certutil lists {listed.Count} certificates: neither the old nor the new set");
            Assert.Equal(journaled || point == KeystoreFaultPoints.AfterRename + "@.journal" ? newSet : oldSet, listed);
            Assert.False(File.Exists(journal), "the open left the journal in place");
            output.WriteLine($"{point}: journal {(journaled ? "left, rolled forward" : "absent")}; {(listed.SequenceEqual(newSet) ? "new" : "old")} set after the open");

            var next = KeystoreMerger.Merge(path, null, null, incoming, new MergeOptions { Policy = CertHeal.TrustPolicy.TrustOnFirstUse, Revocation = CertHeal.RevocationCheckMode.Off }, new SaveOptions());

            Assert.Equal(newSet, await NssTestKit.Fingerprints(db));
            Assert.Equal(listed.SequenceEqual(oldSet), next.Written);
            Assert.Empty(Directory.GetFiles(Path.Combine(db, ".certheal"), ".*.tmp", SearchOption.AllDirectories));
            Assert.All((await NssTestKit.Listing(db)).Values, trust => Assert.Equal("C,,", trust));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [SkippableFact]
    public async Task Eight_processes_merging_different_roots_into_one_database_lose_nothing()
    {
        Skip.IfNot(NssTestKit.Available, NssTestKit.Missing);
        const int Processes = 8;
        var root = ReliabilityKit.NewFolder("nss-concurrent");
        try
        {
            var db = await NssTestKit.NewDatabase(root);
            var all = ReliabilityKit.Certificates("nss-concurrent", Processes);
            var bundles = Enumerable.Range(0, Processes).Select(p =>
            {
                var bundle = Path.Combine(root, $"root{p}.pem");
                ReliabilityKit.WritePemBundle(bundle, [all[p]]);
                return bundle;
            }).ToArray();
            var environment = new Dictionary<string, string> { ["CERTHEAL_LEDGER"] = Path.Combine(root, "ledger.json") };

            var results = await Task.WhenAll(bundles.Select(b => ReliabilityKit.RunCliAsync(ReliabilityKit.MergeArgs("sql:" + db, b), environment, timeoutSeconds: 180)));

            foreach (var (code, _, stderr) in results)
            {
                Assert.True(code == 0, stderr);
            }
            Assert.Equal(ReliabilityKit.Fingerprints(all), await NssTestKit.Fingerprints(db));
            Assert.Equal(Processes, (await NssTestKit.Listing(db)).Count);
            Assert.False(File.Exists(NssDatabase.For("sql:" + db).JournalPath()));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static List<string> StoreSet(string path) =>
        KeystoreFile.Open(path).Entries.Select(e => Convert.ToHexString(SHA256.HashData(e.Certificate!.RawData))).Order(StringComparer.Ordinal).ToList();
}
