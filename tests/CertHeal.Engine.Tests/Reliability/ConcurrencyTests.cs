using System.Diagnostics;
using Xunit.Abstractions;

namespace CertHeal.Tests.Reliability;

/// <summary>
/// Eight certheal processes, 25 distinct certificates each, merging into one keystore at the
/// same moment: all 200 end up in it, none twice, and the peer tools still open it.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class ConcurrencyTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("shared.pem")]
    [InlineData("shared.p12")]
    [InlineData("shared.jks")]
    public async Task Eight_processes_merging_25_certificates_each_all_200_end_up_in_the_keystore_once(string name)
    {
        const int Processes = 8, PerProcess = 25;
        var folder = ReliabilityKit.NewFolder("concurrent");
        try
        {
            var store = Path.Combine(folder, name);
            var all = ReliabilityKit.Certificates("concurrent", Processes * PerProcess);
            var bundles = Enumerable.Range(0, Processes).Select(p =>
            {
                var bundle = Path.Combine(folder, $"batch{p}.pem");
                ReliabilityKit.WritePemBundle(bundle, all.Skip(p * PerProcess).Take(PerProcess));
                return bundle;
            }).ToArray();
            var clock = Stopwatch.StartNew();

            var results = await Task.WhenAll(bundles.Select(b => ReliabilityKit.RunCliAsync(ReliabilityKit.MergeArgs(store, b), timeoutSeconds: 180)));

            output.WriteLine($"{name}: {Processes} processes in {clock.Elapsed.TotalSeconds:0.0} s");
            foreach (var (code, _, stderr) in results)
            {
                Assert.True(code == 0, stderr);
            }
            var entries = ReliabilityKit.EntrySet(store);
            Assert.Equal(ReliabilityKit.Fingerprints(all), entries); // every one, none twice
            Assert.Equal(entries.Distinct().Count(), entries.Count);
            var peer = Path.GetExtension(name) switch
            {
                ".jks" => await ReliabilityKit.KeytoolCount(store, "JKS"),
                ".p12" => await ReliabilityKit.KeytoolCount(store, "PKCS12"),
                _ => await ReliabilityKit.OpenSslCount(store, pkcs12: false),
            };
            Assert.Equal(Processes * PerProcess, peer);
            if (name.EndsWith(".p12", StringComparison.Ordinal))
            {
                Assert.Equal(Processes * PerProcess, await ReliabilityKit.OpenSslCount(store, pkcs12: true));
            }
            Assert.Empty(ReliabilityKit.TemporaryFiles(store));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
