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
