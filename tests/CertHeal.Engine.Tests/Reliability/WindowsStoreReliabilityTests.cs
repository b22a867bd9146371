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
            Assert.Empty(StoreTemporaryFiles(root));
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
            Assert.Empty(StoreTemporaryFiles(root));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>
    /// A change that removes as well as adds, stopped after its second store operation (the
    /// in-process hook, as a crash leaves no finally block either): the journal is left, and the
    /// next open removes and adds the rest, ending at exactly the new set.
    /// </summary>
    [Fact]
    public void A_change_stopped_between_removes_and_adds_is_finished_by_the_next_open()
    {
        var root = ReliabilityKit.NewFolder("winstore-remove");
        var certificates = ReliabilityKit.Certificates("remove", 8);
        var (kept, removed, added) = (certificates[..3], certificates[3..6], certificates[6..]);
        try
        {
            InSeam(root, () => KeystoreFile.Update(Store, null, null, k => Keystores.KeystoreTestKit.AddTo(k, kept.Concat(removed))));
            var operations = 0;
            KeystoreFaultPoints.Hook = (point, path) =>
            {
                if (point == KeystoreFaultPoints.BetweenStoreOperations && path == Store && ++operations == 2)
                {
                    throw new SimulatedCrash();
                }
            };
            try
            {
                Assert.Throws<SimulatedCrash>(() => InSeam(root, () => KeystoreFile.Update(Store, null, null, k =>
                {
                    var gone = ReliabilityKit.Fingerprints(removed).ToHashSet();
                    k.Entries.RemoveAll(e => gone.Contains(Convert.ToHexString(SHA256.HashData(e.Certificate!.RawData))));
                    return Keystores.KeystoreTestKit.AddTo(k, added) || true;
                })));
            }
            finally
            {
                KeystoreFaultPoints.Hook = null;
            }
            Assert.True(File.Exists(JournalPath(root)), "the stopped change left no journal");

            Assert.Equal(ReliabilityKit.Fingerprints(kept.Concat(added)), StoreSet(root));
            Assert.False(File.Exists(JournalPath(root)));
            Assert.Equal(ReliabilityKit.Fingerprints(kept.Concat(removed)), ReliabilityKit.EntrySet(BackupPath(root)));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>
    /// 50 certificates into a 200-certificate store, the merge SIGKILLed at seeded random moments:
    /// half anywhere in the run, half once the journal is in place (while certificates are being
    /// added). After each kill the next open sees exactly the old or the new set; every 5th kill the
    /// merge is run again and must succeed. Bounded by a time budget, at least 10 kills asserted.
    /// </summary>
    [Fact]
    public async Task Killed_at_random_moments_the_store_is_old_or_new_after_the_next_open()
    {
        const int Kills = 24;
        var root = ReliabilityKit.NewFolder("winstore-random");
        try
        {
            var old = ReliabilityKit.Certificates("random-base", 200);
            var incoming = ReliabilityKit.Certificates("random-new", 50);
            var bundle = Path.Combine(root, "incoming.pem");
            ReliabilityKit.WritePemBundle(bundle, incoming);
            var oldSet = ReliabilityKit.Fingerprints(old);
            var newSet = ReliabilityKit.Fingerprints(old.Concat(incoming));
            var environment = Environment(root);
            var storeFolder = Path.Combine(root, "CurrentUser", "Root");
            var pristine = Path.Combine(root, "pristine");
            InSeam(root, () => KeystoreFile.Update(Store, null, null, k => Keystores.KeystoreTestKit.AddTo(k, old)));
            Directory.Move(storeFolder, pristine);
            void Reset()
            {
                if (Directory.Exists(storeFolder))
                {
                    Directory.Delete(storeFolder, recursive: true);
                }
                Directory.CreateDirectory(storeFolder);
                foreach (var file in Directory.GetFiles(pristine))
                {
                    File.Copy(file, Path.Combine(storeFolder, Path.GetFileName(file)));
                }
            }

            Reset();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var full = await ReliabilityKit.RunCliAsync(ReliabilityKit.MergeArgs(Store, bundle), environment);
            var duration = clock.Elapsed;
            Assert.True(full.Code == 0, full.Stderr);
            Assert.Equal(newSet, StoreSet(root));
            var budget = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(60).Ticks, duration.Ticks * 30));

            var random = new Random(2020);
            var tally = new int[5]; // kills, old, new, finished before the kill, recoveries
            var started = System.Diagnostics.Stopwatch.StartNew();
            while (tally[0] < Kills && started.Elapsed < budget)
            {
                Reset();
                var inWriteWindow = random.Next(2) == 0;
                var delay = TimeSpan.FromMilliseconds(duration.TotalMilliseconds * random.NextDouble() * (inWriteWindow ? 0.3 : 1.1));
                bool killed;
                using (var process = ReliabilityKit.StartCli(ReliabilityKit.MergeArgs(Store, bundle), environment))
                {
                    var drain = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
                    if (inWriteWindow)
                    {
                        var until = System.Diagnostics.Stopwatch.StartNew();
                        while (!process.HasExited && until.Elapsed < duration * 4 && !File.Exists(JournalPath(root)))
                        {
                            await Task.Delay(1);
                        }
                    }
                    killed = !process.WaitForExit(delay);
                    if (killed)
                    {
                        process.Kill(); // SIGKILL
                    }
                    await process.WaitForExitAsync();
                    await drain;
                }
                var now = StoreSet(root);
                Assert.True(now.SequenceEqual(oldSet) || now.SequenceEqual(newSet),
                    $"after a kill at {delay.TotalMilliseconds:0} ms ({(inWriteWindow ? "write window" : "whole run")}) the store holds {now.Count} certificates: neither the old nor the new set");
                tally[killed ? 0 : 3]++;
                tally[now.SequenceEqual(newSet) ? 2 : 1]++;
                if (killed && tally[0] % 5 == 0)
                {
                    var next = await ReliabilityKit.RunCliAsync(ReliabilityKit.MergeArgs(Store, bundle), environment);
                    Assert.True(next.Code == 0, $"the merge after a kill failed: {next.Stderr}");
                    Assert.Equal(newSet, StoreSet(root));
                    Assert.Empty(StoreTemporaryFiles(root));
                    tally[4]++;
                }
            }

            output.WriteLine($"one merge {duration.TotalMilliseconds:0} ms; {tally[0]} kills, 0 torn (store after the open: {tally[1]} old, {tally[2]} new); "
                + $"{tally[3]} runs finished before their kill; {tally[4]} recovering merges; {started.Elapsed.TotalSeconds:0} s");
            Assert.True(tally[0] >= 10, $"only {tally[0]} of {Kills} kills fit in the {budget.TotalSeconds:0} s budget");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>A journal damaged outside CertHeal is not guessed at: the open refuses and the store stays as it is.</summary>
    [Fact]
    public void A_damaged_journal_is_refused_and_the_store_is_left_alone()
    {
        var root = ReliabilityKit.NewFolder("winstore-damaged");
        try
        {
            var certificates = ReliabilityKit.Certificates("damaged", 3);
            InSeam(root, () => KeystoreFile.Update(Store, null, null, k => Keystores.KeystoreTestKit.AddTo(k, certificates)));
            var storeFolder = Path.Combine(root, "CurrentUser", "Root");
            var before = Directory.GetFiles(storeFolder).Order(StringComparer.Ordinal).ToList();
            File.WriteAllBytes(JournalPath(root), [0x30, 0x82, 0x7f, 0xff, 0x01]);

            var e = Assert.Throws<KeystoreException>(() => StoreSet(root));

            Assert.Equal(KeystoreErrorKind.Corrupt, e.Kind);
            Assert.Equal(before, Directory.GetFiles(storeFolder).Order(StringComparer.Ordinal).ToList());
            Assert.True(File.Exists(JournalPath(root)));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [SkippableFact]
    public void Without_the_seam_a_store_path_stays_unsupported_on_Linux()
    {
        Skip.If(OperatingSystem.IsWindows(), "On Windows a Cert:\\ path is the real store, not unsupported.");
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

    /// <summary>Temporary files of the store's write path (certificates, journal, backup); the ledger beside them cleans its own.</summary>
    private static string[] StoreTemporaryFiles(string root) =>
        [.. new[] { Path.Combine(root, "CurrentUser"), Path.Combine(root, ".certheal") }
            .Where(Directory.Exists)
            .SelectMany(f => Directory.GetFiles(f, ".*.tmp", SearchOption.AllDirectories))];

    private static string JournalPath(string root) => InSeam(root, () => WindowsCertificateStore.For(Store).JournalPath());

    private static string BackupPath(string root) => InSeam(root, () => WindowsCertificateStore.For(Store).BackupPath());

    private static T InSeam<T>(string root, Func<T> action)
    {
        CertificateStoreSeam.TestRoot.Value = root;
        try
        {
            return action();
        }
        finally
        {
            CertificateStoreSeam.TestRoot.Value = null;
        }
    }

    private sealed class SimulatedCrash : Exception;
}
