using CertHeal.Chains;
using CertHeal.Keystores;
using CertHeal.Lab;
using CertHeal.Trust;

namespace CertHeal.Tests.Merge;

/// <summary>
/// Issue #20, consent as data: the plan names each certificate's consent, hosts ask with no lock
/// held, and the commit reuses the plan's chain verdicts unless the store changed in between.
/// </summary>
public sealed class ConsentPlanTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    private string NewPath(string name) => Path.Combine(fixture.Lab.Folder, Guid.NewGuid().ToString("N")[..6] + "-" + name);

    private MergeOptions Tofu(params string[] named) => new() { Policy = TrustPolicy.TrustOnFirstUse, System = fixture.Trust, TrustedFingerprints = named };

    [Fact]
    public void The_plan_types_each_certificates_consent()
    {
        var (leaf, chain) = fixture.Lab.Material(LabScenario.UntrustedRoot)!.Value;
        var root = CertificateFacts.Sha256Fingerprint(fixture.Lab.Untrusted.Root);

        var plan = KeystoreMerger.Plan(NewPath("typed.pem"), null, null, [leaf, .. chain], Tofu(), CancellationToken.None);

        Assert.Equal(root, Assert.Single(plan.NeedsApproval).Sha256Fingerprint);
        Assert.All(plan.Change.Entries, e => Assert.Equal((AnchorConsentKind.NeedsApproval, root), (e.Consent, e.ApprovalFingerprint)));
        var pinned = KeystoreMerger.Plan(NewPath("pinned.pem"), null, null, [leaf, .. chain], Tofu(root), CancellationToken.None);
        Assert.Empty(pinned.NeedsApproval);
        Assert.Equal(AnchorConsentKind.Pinned, pinned.Change.Entries.Single(e => e.Sha256Fingerprint == root).Consent);
    }

    [Fact]
    public void Chains_are_built_at_most_once_per_certificate_per_plan_and_not_again_at_commit()
    {
        var (leaf, chain) = fixture.Lab.Material(LabScenario.UntrustedRoot)!.Value;
        var path = NewPath("count.pem");
        MergePlan plan;
        long planned, committed;
        using (var scope = VerdictCounter.Begin())
        {
            plan = KeystoreMerger.Plan(path, null, null, [leaf, .. chain], Tofu(), CancellationToken.None);
            planned = scope.Count;
        }
        using (var scope = VerdictCounter.Begin())
        {
            var change = KeystoreMerger.Commit(plan, [plan.NeedsApproval[0].Sha256Fingerprint], new SaveOptions());
            committed = scope.Count;
            Assert.False(plan.Replanned);
            Assert.Equal(3, change.Added);
        }

        Assert.True(planned <= 3, $"{planned} verdicts for 3 certificates");
        Assert.Equal(0, committed);
    }

    [Fact]
    public void A_store_changed_between_plan_and_commit_is_planned_again_and_keeps_both()
    {
        var path = NewPath("changed.pem");
        using var first = LabHierarchy.Create("plan-first");
        using var second = LabHierarchy.Create("plan-second");
        var plan = KeystoreMerger.Plan(path, null, null, [first.Root], Tofu(), CancellationToken.None);
        KeystoreMerger.Merge(path, null, null, [second.Root], Tofu(), new SaveOptions());

        long builds;
        using (var scope = VerdictCounter.Begin())
        {
            KeystoreMerger.Commit(plan, null, new SaveOptions());
            builds = scope.Count;
        }

        Assert.True(plan.Replanned);
        Assert.True(builds >= 1, "the re-plan judged the root again");
        Assert.Equal(2, KeystoreFile.Open(path).TrustedEntries.Count());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task What_if_never_runs_the_approval_command_and_shows_the_anchor_it_would_ask_about_as_not_confirmed(bool force)
    {
        var path = NewPath("what-if.pem");
        var marker = NewPath("asked");
        using var root = LabHierarchy.Create("what-if-root");
        var bundle = NewPath("root.pem");
        File.WriteAllText(bundle, CertificateMint.ToPem(root.Root));

        var result = await CliProcess.RunAsync(["merge", path, bundle, "--policy", "TrustOnFirstUse", "--ledger", NewPath("ledger.json"), "--what-if", "--json",
            "--approval-command", $"touch '{marker}'", .. force ? new[] { "--force" } : []]);

        Assert.False(File.Exists(marker), "--what-if ran the approval command");
        Assert.False(File.Exists(path));
        Assert.True(result.Code == 1, result.Stdout + result.Stderr);
        Assert.Contains("not confirmed", result.Stdout);
        Assert.Contains(CertificateFacts.Sha256Fingerprint(root.Root), result.Stdout);
    }

    [Fact]
    public async Task The_approval_command_runs_with_no_lock_held_so_another_writer_merges_meanwhile()
    {
        var path = NewPath("approval.pem");
        var marker = NewPath("asked");
        using var waiting = LabHierarchy.Create("approval-waits");
        using var other = LabHierarchy.Create("approval-other");
        var bundle = NewPath("root.pem");
        File.WriteAllText(bundle, CertificateMint.ToPem(waiting.Root));

        var cli = CliProcess.RunAsync(["merge", path, bundle, "--policy", "TrustOnFirstUse", "--ledger", NewPath("ledger.json"),
            "--approval-command", $"touch '{marker}'; sleep 8; exit 0"]);
        var deadline = DateTime.UtcNow.AddSeconds(40);
        while (!File.Exists(marker) && DateTime.UtcNow < deadline && !cli.IsCompleted)
        {
            await Task.Delay(50);
        }
        Assert.True(File.Exists(marker), "the approval command did not start");
        var started = System.Diagnostics.Stopwatch.StartNew();
        var change = KeystoreMerger.Merge(path, null, null, [other.Root], Tofu(), new SaveOptions { LockTimeout = TimeSpan.FromSeconds(2) });
        started.Stop();
        Assert.False(cli.IsCompleted, "the approval command finished before the other writer was done; the test proved nothing");
        var result = await cli;

        Assert.True(change.Written);
        // A held lock would have made the other writer give up after its 2 s LockTimeout; the bound
        // only guards against a writer that waited for the approval to end.
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(6), $"the other writer waited {started.Elapsed}");
        Assert.True(result.Code == 0, result.Stdout + result.Stderr);
        Assert.Equal(2, KeystoreFile.Open(path).TrustedEntries.Count());
    }
}
