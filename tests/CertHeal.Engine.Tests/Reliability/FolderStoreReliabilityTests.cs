using System.Security.Cryptography;
using CertHeal.Keystores;
using Xunit.Abstractions;

namespace CertHeal.Tests.Reliability;

/// <summary>
/// A folder store goes through the same write path as keystore files: each certificate file
/// is written whole or not at all, merges are serialized by the folder's lock, and a writer
/// killed at any step loses nothing that was there and tears no file.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class FolderStoreReliabilityTests(ITestOutputHelper output)
{
    public static TheoryData<string> Points() => new(KeystoreFaultPoints.All);

    [Theory]
    [MemberData(nameof(Points))]
    public async Task A_merge_into_a_folder_killed_at_each_step_tears_no_file_and_loses_nothing(string point)
    {
        var folder = ReliabilityKit.NewFolder("folder-point");
        try
        {
            var store = Path.Combine(folder, "certs");
            Directory.CreateDirectory(store);
            var old = ReliabilityKit.Certificates("point-base", 20);
            var incoming = ReliabilityKit.Certificates("point-new", 5);
            ReliabilityKit.CreateStore(store, old);
            var bundle = Path.Combine(folder, "incoming.pem");
            ReliabilityKit.WritePemBundle(bundle, incoming);
            var oldSet = ReliabilityKit.Fingerprints(old);
            var newSet = ReliabilityKit.Fingerprints(old.Concat(incoming));
            var environment = new Dictionary<string, string> { ["CERTHEAL_LEDGER"] = Path.Combine(folder, "ledger.json") };

            var killed = await ReliabilityKit.RunCliAsync(ReliabilityKit.MergeArgs(store, bundle),
                new Dictionary<string, string>(environment) { [KeystoreFaultPoints.EnvironmentVariable] = point });

            Assert.True(killed.Code == ReliabilityKit.KilledExitCode, $"the writer was not killed at {point}: exit {killed.Code} {killed.Stderr}");
            var now = FolderEntrySet(store); // throws on a torn file
            Assert.Subset(newSet.ToHashSet(), now.ToHashSet());
            Assert.Superset(oldSet.ToHashSet(), now.ToHashSet()); // 0 lost
            Assert.Equal(now.Count, now.Distinct().Count());
            output.WriteLine($"{point}: {now.Count - oldSet.Count} of {incoming.Length} new files in place after the kill, {TemporaryFilesIn(store).Length} temporary files left");

            var next = await ReliabilityKit.RunCliAsync(ReliabilityKit.MergeArgs(store, bundle), environment);

            Assert.True(next.Code == 0, $"the merge after a crash at {point} failed: {next.Stderr}");
            Assert.Equal(newSet, FolderEntrySet(store));
            Assert.Empty(TemporaryFilesIn(store));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Eight_processes_merging_into_one_folder_lose_nothing()
    {
        const int Processes = 8, PerProcess = 10;
        var folder = ReliabilityKit.NewFolder("folder-concurrent");
        try
        {
            var store = Path.Combine(folder, "certs");
            Directory.CreateDirectory(store);
            var all = ReliabilityKit.Certificates("concurrent", Processes * PerProcess);
            var bundles = Enumerable.Range(0, Processes).Select(p =>
            {
                var bundle = Path.Combine(folder, $"batch{p}.pem");
                ReliabilityKit.WritePemBundle(bundle, all.Skip(p * PerProcess).Take(PerProcess));
                return bundle;
            }).ToArray();
            var environment = new Dictionary<string, string> { ["CERTHEAL_LEDGER"] = Path.Combine(folder, "ledger.json") };

            var results = await Task.WhenAll(bundles.Select(b => ReliabilityKit.RunCliAsync(ReliabilityKit.MergeArgs(store, b), environment, timeoutSeconds: 180)));

            foreach (var (code, _, stderr) in results)
            {
                Assert.True(code == 0, stderr);
            }
            Assert.Equal(ReliabilityKit.Fingerprints(all), FolderEntrySet(store));
            Assert.Empty(TemporaryFilesIn(store));
            // Each certificate got exactly one OpenSSL hash link, whichever process wrote it.
            var links = Directory.EnumerateFileSystemEntries(store).Count(p => new FileInfo(p).LinkTarget is not null);
            Assert.Equal(Processes * PerProcess, links);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Kills at random moments of a merge of 60 certificates into a 50-file folder: a folder is many
    /// files, so a kill may leave some new files in place, but never a torn one and never one fewer
    /// than before; the next merge completes the set and leaves no temporary file.
    /// </summary>
    [Fact]
    public async Task A_merge_into_a_folder_killed_at_random_moments_tears_no_file_and_loses_nothing()
    {
        const int Kills = 12;
        var folder = ReliabilityKit.NewFolder("folder-random");
        try
        {
            var old = ReliabilityKit.Certificates("folder-random-base", 50);
            var incoming = ReliabilityKit.Certificates("folder-random-new", 60);
            var bundle = Path.Combine(folder, "incoming.pem");
            ReliabilityKit.WritePemBundle(bundle, incoming);
            var oldSet = ReliabilityKit.Fingerprints(old).ToHashSet();
            var newSet = ReliabilityKit.Fingerprints(old.Concat(incoming));
            var environment = new Dictionary<string, string> { ["CERTHEAL_LEDGER"] = Path.Combine(folder, "ledger.json") };
            var store = Path.Combine(folder, "certs");
            void Reset()
            {
                if (Directory.Exists(store))
                {
                    Directory.Delete(store, recursive: true);
                }
                Directory.CreateDirectory(store);
                ReliabilityKit.CreateStore(store, old);
            }

            Reset();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var full = await ReliabilityKit.RunCliAsync(ReliabilityKit.MergeArgs(store, bundle), environment);
            var duration = clock.Elapsed;
            Assert.True(full.Code == 0, full.Stderr);
            Assert.Equal(newSet, FolderEntrySet(store));

            var random = new Random(1717);
            var budget = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(60).Ticks, duration.Ticks * Kills * 3));
            var started = System.Diagnostics.Stopwatch.StartNew();
            int kills = 0, finished = 0, partial = 0;
            while (kills < Kills && started.Elapsed < budget)
            {
                Reset();
                var delay = TimeSpan.FromMilliseconds(duration.TotalMilliseconds * random.NextDouble() * 1.1);
                using (var process = ReliabilityKit.StartCli(ReliabilityKit.MergeArgs(store, bundle), environment))
                {
                    var drain = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
                    if (!process.WaitForExit(delay))
                    {
                        process.Kill(); // SIGKILL
                        kills++;
                    }
                    else
                    {
                        finished++;
                    }
                    await process.WaitForExitAsync();
                    await drain;
                }
                var now = FolderEntrySet(store); // throws on a torn file
                Assert.Subset(newSet.ToHashSet(), now.ToHashSet());
                Assert.Superset(oldSet, now.ToHashSet()); // 0 lost
                Assert.Equal(now.Count, now.Distinct().Count());
                partial += now.Count > oldSet.Count && now.Count < newSet.Count ? 1 : 0;
                if (kills % 4 == 1)
                {
                    var next = await ReliabilityKit.RunCliAsync(ReliabilityKit.MergeArgs(store, bundle), environment);
                    Assert.True(next.Code == 0, $"the merge after a kill at {delay.TotalMilliseconds:0} ms failed: {next.Stderr}");
                    Assert.Equal(newSet, FolderEntrySet(store));
                    Assert.Empty(TemporaryFilesIn(store));
                }
            }
            output.WriteLine($"one merge {duration.TotalMilliseconds:0} ms; {kills} kills ({partial} left part of the new files), {finished} runs finished before their kill, 0 torn, 0 lost; {started.Elapsed.TotalSeconds:0} s");
            Assert.True(kills >= Kills / 2, $"only {kills} kills fit in the {budget.TotalSeconds:0} s budget");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The SHA-256 of each certificate file; a file that does not parse (torn) fails the test.</summary>
    private static List<string> FolderEntrySet(string store)
    {
        var keystore = KeystoreFile.Open(store, KeystoreFormat.Directory);
        Assert.All(keystore.Entries, e => Assert.True(e.Certificate is not null, $"torn or unreadable file: {e.Unreadable}"));
        return keystore.Entries.Where(e => e.EntryType == KeystoreEntryType.TrustedCertificate)
            .Select(e => Convert.ToHexString(SHA256.HashData(e.Certificate!.RawData)))
            .Order(StringComparer.Ordinal).ToList();
    }

    private static string[] TemporaryFilesIn(string store) => Directory.GetFiles(store, ".*.tmp");
}
