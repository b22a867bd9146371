using System.Security.Cryptography;
using CertHeal.Keystores;
using Xunit.Abstractions;

namespace CertHeal.Tests.Reliability;

/// <summary>
/// The Windows certificate store's write path (lock, backup, journal, single adds and removes,
/// roll-forward) through its Linux seam: a merge into Cert:\CurrentUser\Root killed at any step
/// leaves, once the store is next opened, exactly the old or the new set, and eight merges at
/// once lose nothing.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class WindowsStoreReliabilityTests(ITestOutputHelper output)
{
    private const string Store = @"Cert:\CurrentUser\Root";

    /// <summary>
    /// Each file write point three times: bare (the first write reached, the backup), in the journal's
    /// write, and in a certificate's write to the seam store; then the points between store operations.
    /// </summary>
    public static TheoryData<string> Points()
    {
        var data = new TheoryData<string>();
        foreach (var point in KeystoreFaultPoints.All)
        {
            data.Add(point);
            data.Add(point + "@.journal");
            data.Add(point + "@.der");
        }
        foreach (var point in KeystoreFaultPoints.StoreOperations)
        {
            data.Add(point);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Points))]
    public async Task A_merge_into_the_store_killed_at_each_step_leaves_old_or_new_after_the_next_open(string point)
    {
        var root = ReliabilityKit.NewFolder("winstore-point");
        try
        {
            var old = ReliabilityKit.Certificates("point-base", 20);
            var incoming = ReliabilityKit.Certificates("point-new", 5);
            var bundle = Path.Combine(root, "incoming.pem");
            ReliabilityKit.WritePemBundle(bundle, incoming);
            var oldSet = ReliabilityKit.Fingerprints(old);
            var newSet = ReliabilityKit.Fingerprints(old.Concat(incoming));
            var environment = Environment(root);
            var seed = Path.Combine(root, "seed.pem");
            ReliabilityKit.WritePemBundle(seed, old);
            var seeded = await ReliabilityKit.RunCliAsync(ReliabilityKit.MergeArgs(Store, seed), environment);
            Assert.True(seeded.Code == 0, seeded.Stderr);
            Assert.Equal(oldSet, StoreSet(root));

            var killed = await ReliabilityKit.RunCliAsync(ReliabilityKit.MergeArgs(Store, bundle),
                new Dictionary<string, string>(environment) { [KeystoreFaultPoints.EnvironmentVariable] = point });

            Assert.True(killed.Code == ReliabilityKit.KilledExitCode, $"the writer was not killed at {point}: exit {killed.Code} {killed.Stderr}");
            var journaled = File.Exists(JournalPath(root));
            var now = StoreSet(root); // the next open: rolls a journal forward, throws on a torn certificate
            Assert.True(now.SequenceEqual(oldSet) || now.SequenceEqual(newSet), $"after a kill at {point} the store holds {now.Count} certificates: neither the old nor the new set");
            Assert.Equal(journaled || point == KeystoreFaultPoints.AfterRename + "@.journal" ? newSet : oldSet, now);
            Assert.False(File.Exists(JournalPath(root)), "the open left the journal in place");
            output.WriteLine($"{point}: journal {(journaled ? "left, rolled forward" : "absent")}; {(now.SequenceEqual(newSet) ? "new" : "old")} set after the open");

            var next = await ReliabilityKit.RunCliAsync(ReliabilityKit.MergeArgs(Store, bundle), environment);

            Assert.True(next.Code == 0, $"the merge after a crash at {point} failed: {next.Stderr}");
            Assert.Equal(newSet, StoreSet(root));
            Assert.Empty(Directory.GetFiles(root, ".*.tmp", SearchOption.AllDirectories));
            Assert.Equal(oldSet, ReliabilityKit.EntrySet(BackupPath(root))); // the backup is the whole previous store
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Eight_processes_merging_into_one_store_lose_nothing()
    {
        const int Processes = 8, PerProcess = 10;
        var root = ReliabilityKit.NewFolder("winstore-concurrent");
        try
        {
            var all = ReliabilityKit.Certificates("concurrent", Processes * PerProcess);
            var bundles = Enumerable.Range(0, Processes).Select(p =>
            {
                var bundle = Path.Combine(root, $"batch{p}.pem");
                ReliabilityKit.WritePemBundle(bundle, all.Skip(p * PerProcess).Take(PerProcess));
                return bundle;
            }).ToArray();
            var environment = Environment(root);

            var results = await Task.WhenAll(bundles.Select(b => ReliabilityKit.RunCliAsync(ReliabilityKit.MergeArgs(Store, b), environment, timeoutSeconds: 180)));

            foreach (var (code, _, stderr) in results)
            {
                Assert.True(code == 0, stderr);
            }
            Assert.Equal(ReliabilityKit.Fingerprints(all), StoreSet(root));
            Assert.False(File.Exists(JournalPath(root)));
            Assert.Empty(Directory.GetFiles(root, ".*.tmp", SearchOption.AllDirectories));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Without_the_seam_a_store_path_stays_unsupported_on_Linux()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        var e = Assert.Throws<KeystoreException>(() => KeystoreFile.Open(Store));
        Assert.Equal(KeystoreErrorKind.Unsupported, e.Kind);
    }

    private static Dictionary<string, string> Environment(string root) => new()
    {
        [CertificateStoreSeam.RootVariable] = root,
        ["CERTHEAL_LEDGER"] = Path.Combine(root, "ledger.json"),
    };

    /// <summary>The store as the next open sees it (journal rolled forward), as sorted SHA-256 fingerprints.</summary>
    private static List<string> StoreSet(string root)
    {
        CertificateStoreSeam.TestRoot.Value = root;
        try
        {
            var keystore = KeystoreFile.Open(Store);
            return keystore.Entries.Select(e => Convert.ToHexString(SHA256.HashData(e.Certificate!.RawData))).Order(StringComparer.Ordinal).ToList();
        }
        finally
        {
            CertificateStoreSeam.TestRoot.Value = null;
        }
    }

    private static string JournalPath(string root) => InSeam(root, () => WindowsStoreJournal.JournalPath(Store));

    private static string BackupPath(string root) => InSeam(root, () => WindowsStoreJournal.BackupPath(Store));

    private static string InSeam(string root, Func<string> path)
    {
        CertificateStoreSeam.TestRoot.Value = root;
        try
        {
            return path();
        }
        finally
        {
            CertificateStoreSeam.TestRoot.Value = null;
        }
    }
}
