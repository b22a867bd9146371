using System.Diagnostics;
using CertHeal.Keystores;
using Xunit.Abstractions;

namespace CertHeal.Tests.Reliability;

/// <summary>
/// A writer killed with SIGKILL at any moment leaves the old or the new keystore, never a torn
/// one; the next merge succeeds (the dead writer's lock is recovered) and cleans its temporary
/// files. First at each named step of the write path, then at random moments.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class CrashConsistencyTests(ITestOutputHelper output)
{
    public static TheoryData<string, string> Points()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in new[] { "store.jks", "store.p12", "store.pem" })
        {
            foreach (var point in KeystoreFaultPoints.All)
            {
                data.Add(name, point);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Points))]
    public async Task Killed_at_each_step_of_the_write_path_leaves_old_or_new_and_the_next_merge_recovers(string name, string point)
    {
        var folder = ReliabilityKit.NewFolder("point");
        try
        {
            var store = Path.Combine(folder, name);
            var old = ReliabilityKit.Certificates("point-base", 20);
            var incoming = ReliabilityKit.Certificates("point-new", 5);
            ReliabilityKit.CreateStore(store, old);
            var bundle = Path.Combine(folder, "incoming.pem");
            ReliabilityKit.WritePemBundle(bundle, incoming);
            var oldSet = ReliabilityKit.Fingerprints(old);
            var newSet = ReliabilityKit.Fingerprints(old.Concat(incoming));

            var killed = await ReliabilityKit.RunCliAsync(ReliabilityKit.MergeArgs(store, bundle),
                new Dictionary<string, string> { [KeystoreFaultPoints.EnvironmentVariable] = point });

            Assert.True(killed.Code == ReliabilityKit.KilledExitCode, $"the writer was not killed at {point}: exit {killed.Code} {killed.Stderr}");
            var expected = point == KeystoreFaultPoints.AfterRename ? newSet : oldSet;
            Assert.Equal(expected, ReliabilityKit.EntrySet(store));
            Assert.Equal(expected.Count, await CountWithPeerTool(store));
            if (point != KeystoreFaultPoints.AfterRename)
            {
                Assert.NotEmpty(ReliabilityKit.TemporaryFiles(store)); // the crash really left its temporary file behind
            }

            var clock = Stopwatch.StartNew();
            var next = await ReliabilityKit.RunCliAsync(ReliabilityKit.MergeArgs(store, bundle));

            Assert.True(next.Code == 0, $"the merge after a crash at {point} failed: {next.Stderr}");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(25), $"the merge after the crash waited {clock.Elapsed} (lock of the dead writer not recovered)");
            Assert.Equal(newSet, ReliabilityKit.EntrySet(store));
            Assert.Empty(ReliabilityKit.TemporaryFiles(store));
            Assert.Equal(oldSet, ReliabilityKit.EntrySet(store + ".bak")); // the backup is the whole previous keystore
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Fault_points_are_inert_unless_their_variable_names_the_point()
    {
        var folder = ReliabilityKit.NewFolder("inert");
        try
        {
            var store = Path.Combine(folder, "store.pem");
            ReliabilityKit.CreateStore(store, ReliabilityKit.Certificates("point-base", 20));
            var bundle = Path.Combine(folder, "incoming.pem");
            ReliabilityKit.WritePemBundle(bundle, ReliabilityKit.Certificates("point-new", 5));

            // Names a user might plausibly set do nothing; so does the real variable with an unknown point.
            var result = await ReliabilityKit.RunCliAsync(ReliabilityKit.MergeArgs(store, bundle), new Dictionary<string, string>
            {
                ["CERTHEAL_FAULT"] = "BeforeRename",
                ["CERTHEAL_FAULT_POINT"] = "BeforeRename",
                [KeystoreFaultPoints.EnvironmentVariable] = "beforerename",
            });

            Assert.True(result.Code == 0, result.Stderr);
            Assert.Equal(25, ReliabilityKit.EntrySet(store).Count);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    public static TheoryData<string> Formats() => new() { "big.jks", "big.p12", "big.pem" };

    /// <summary>
    /// 100 certificates into a 2,000-entry store, killed at a seeded random moment 50 times per
    /// format (two writers at a time on separate copies, bounded by a time budget as well). Half
    /// the kills fall anywhere in the run, half in the write window (after the temporary file
    /// appears). Every 10th kill the peer tool opens the store and the merge is run to the end,
    /// which must recover the lock and remove the dead writers' temporary files.
    /// </summary>
    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Killed_at_random_moments_during_large_merges_the_store_is_never_torn(string name)
    {
        const int Kills = 50;
        // 50 kills take about 60 s per format on this 2-core machine when it is otherwise idle; the
        // budget bounds a loaded machine and keeps the default test run under 10 minutes. It grows
        // with the calibrated merge time below, so a loaded machine still gets the 20 kills asserted.
        var budget = TimeSpan.FromSeconds(80);
        var folder = ReliabilityKit.NewFolder("random");
        try
        {
            var old = ReliabilityKit.Certificates("random-base", 2000);
            var incoming = ReliabilityKit.Certificates("random-new", 100);
            var seedStore = Path.Combine(folder, "seed-" + name);
            ReliabilityKit.CreateStore(seedStore, old);
            var pristine = File.ReadAllBytes(seedStore);
            var bundle = Path.Combine(folder, "incoming.pem");
            ReliabilityKit.WritePemBundle(bundle, incoming);
            var oldSet = ReliabilityKit.Fingerprints(old);
            var newSet = ReliabilityKit.Fingerprints(old.Concat(incoming));

            // Calibrate: how long one whole merge takes on this (loaded) machine.
            var clock = Stopwatch.StartNew();
            var full = await ReliabilityKit.RunCliAsync(ReliabilityKit.MergeArgs(seedStore, bundle));
            var duration = clock.Elapsed;
            Assert.True(full.Code == 0, full.Stderr);
            // Each worker's 10 kills cost at most 1.1 merges each plus two recovering merges.
            budget = TimeSpan.FromTicks(Math.Max(budget.Ticks, duration.Ticks * 16));
            Assert.Equal(newSet, ReliabilityKit.EntrySet(seedStore));

            var tally = new int[6]; // kills, old, new, finished before the kill, peer checks, recoveries
            var started = Stopwatch.StartNew();
            async Task Worker(int id)
            {
                var store = Path.Combine(folder, $"w{id}-{name}");
                var random = new Random(1414 * (id + 1) + name.Length);
                var myKills = 0;
                while (myKills < Kills / 2 && started.Elapsed < budget)
                {
                    File.WriteAllBytes(store, pristine);
                    var staleTemps = ReliabilityKit.TemporaryFiles(store).ToHashSet();
                    var inWriteWindow = random.Next(2) == 0;
                    var delay = TimeSpan.FromMilliseconds(duration.TotalMilliseconds * random.NextDouble() * (inWriteWindow ? 0.3 : 1.1));
                    bool killed;
                    using (var process = ReliabilityKit.StartCli(ReliabilityKit.MergeArgs(store, bundle)))
                    {
                        var drain = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
                        if (inWriteWindow)
                        {
                            var until = Stopwatch.StartNew();
                            while (!process.HasExited && until.Elapsed < duration * 4 && ReliabilityKit.TemporaryFiles(store).All(staleTemps.Contains))
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
                    var now = ReliabilityKit.EntrySet(store);
                    Assert.True(now.SequenceEqual(oldSet) || now.SequenceEqual(newSet),
                        $"after a kill at {delay.TotalMilliseconds:0} ms ({(inWriteWindow ? "write window" : "whole run")}) the store holds {now.Count} entries: neither the old nor the new set");
                    lock (tally)
                    {
                        tally[killed ? 0 : 3]++;
                        tally[now.SequenceEqual(newSet) ? 2 : 1]++;
                    }
                    if (!killed)
                    {
                        continue;
                    }
                    myKills++;
                    if (myKills % 10 == 5)
                    {
                        Assert.Equal(now.Count, await CountWithPeerTool(store));
                        var recovery = Stopwatch.StartNew();
                        var next = await ReliabilityKit.RunCliAsync(ReliabilityKit.MergeArgs(store, bundle));
                        Assert.True(next.Code == 0, $"the merge after a kill failed: {next.Stderr}");
                        Assert.True(recovery.Elapsed < duration * 3 + TimeSpan.FromSeconds(25), $"the merge after a kill took {recovery.Elapsed}");
                        Assert.Equal(newSet, ReliabilityKit.EntrySet(store));
                        Assert.Empty(ReliabilityKit.TemporaryFiles(store));
                        lock (tally)
                        {
                            tally[4]++;
                            tally[5]++;
                        }
                    }
                }
                Assert.True(ReliabilityKit.TemporaryFiles(store).Length <= Kills, "temporary files pile up");
            }
            await Task.WhenAll(Worker(0), Worker(1));

            output.WriteLine($"{name}: one merge {duration.TotalMilliseconds:0} ms; {tally[0]} kills, 0 torn (store afterwards: {tally[1]} old, {tally[2]} new); "
                + $"{tally[3]} runs finished before their kill; {tally[4]} peer-tool checks; {tally[5]} recovering merges; {started.Elapsed.TotalSeconds:0} s");
            Assert.True(tally[0] >= 20, $"only {tally[0]} of {Kills} kills fit in the {budget.TotalSeconds:0} s budget: the machine is far slower than expected");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<int> CountWithPeerTool(string store) => Path.GetExtension(store) switch
    {
        ".jks" => await ReliabilityKit.KeytoolCount(store, "JKS"),
        ".p12" => await ReliabilityKit.KeytoolCount(store, "PKCS12"),
        _ => await ReliabilityKit.OpenSslCount(store, pkcs12: false),
    };
}

/// <summary>The process-heavy reliability tests run one at a time, so 2 cores are not oversubscribed.</summary>
[CollectionDefinition(Name)]
public sealed class ReliabilityCollection
{
    public const string Name = "Reliability (processes)";
}
