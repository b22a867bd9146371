using System.Diagnostics;
using System.Management.Automation;
using CertHeal.Lab;
using CertHeal.PowerShell.Tests.Harness;

namespace CertHeal.PowerShell.Tests;

/// <summary>Progress records, verbose narration of skipped certificates, and Ctrl+C (PowerShell.Stop()).</summary>
public sealed class ProgressAndStopTests(PsLab lab) : IClassFixture<PsLab>
{
    [Theory]
    [InlineData("Test-TlsHandshake")]
    [InlineData("Get-ServerCertificateChain")]
    public void Progress_has_one_stable_activity_id_rising_percentages_and_a_final_Completed_record(string cmdlet)
    {
        var endpoints = Enumerable.Range(0, 4).Select(_ => lab.Lab.Start(LabScenario.GoodChain)).ToList();
        using var ps = PsSession.WithHost();

        var result = ps.Run($"param($Targets) $Targets | {cmdlet} -NoAia -TimeoutSec 10 -ThrottleLimit 2", new() { ["Targets"] = endpoints.Select(e => e.Target).ToArray() });

        result.AssertNoErrors();
        var progress = result.Progress;
        Assert.NotEmpty(progress);
        Assert.Single(progress.Select(p => p.ActivityId).Distinct());
        Assert.Equal(cmdlet, progress[0].Activity);
        var percents = progress.Where(p => p.RecordType == ProgressRecordType.Processing).Select(p => p.PercentComplete).ToList();
        Assert.Equal(percents.Order(), percents);
        Assert.All(percents, p => Assert.InRange(p, 0, 100));
        Assert.Equal(ProgressRecordType.Completed, progress[^1].RecordType);
        Assert.Single(progress, p => p.RecordType == ProgressRecordType.Completed);
        Assert.Equal(progress.Count, ps.Host!.Progress.Count);
    }

    [Fact]
    public void Verbose_names_each_skipped_certificate_and_why()
    {
        var endpoint = lab.Lab.Start(LabScenario.UntrustedRoot);
        var path = Path.Combine(lab.NewFolder(), "store.pem");
        using var ps = PsSession.WithHost();

        var result = ps.Run("param($T, $Path) Get-ServerCertificateChain $T -NoAia -TimeoutSec 10 | Merge-Keystore -Path $Path -Verbose", new() { ["T"] = endpoint.Target, ["Path"] = path });

        result.AssertNoErrors();
        Assert.Equal(3, result.Single().Value<int>("Skipped"));
        foreach (var certificate in endpoint.Presented)
        {
            Assert.Contains(result.VerboseText, v => v.StartsWith("Skipped", StringComparison.Ordinal) && v.Contains(certificate.Subject, StringComparison.Ordinal)
                && v.Contains(certificate.Thumbprint, StringComparison.Ordinal));
        }
        Assert.Contains(result.VerboseText, v => v.Contains("never adds a new root", StringComparison.Ordinal));
        Assert.Equal(result.Verbose.Count, ps.Host!.Verbose.Count);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Stop_during_Test_TlsHandshake_over_200_silent_targets_returns_within_2_s_and_leaves_no_keystore_lock()
    {
        var silent = Enumerable.Range(0, 4).Select(_ => lab.Lab.Start(LabScenario.Silent)).ToList();
        var targets = Enumerable.Range(0, 200).Select(i => silent[i % silent.Count].Target).ToArray();
        var keystore = Path.Combine(lab.NewFolder(), "store.pem");
        File.Copy(lab.TrustedRootPem, keystore);
        using var ps = PsSession.NoUi();
        var (shell, pending) = ps.Start("param($Targets, $Keystore) $Targets | Test-TlsHandshake -Keystore $Keystore -TimeoutSec 60",
            new() { ["Targets"] = targets, ["Keystore"] = keystore });
        using (shell)
        {
            var wait = Stopwatch.StartNew();
            while (silent.Sum(s => s.Connections) < 32 && wait.Elapsed < TimeSpan.FromSeconds(20))
            {
                await Task.Delay(50);
            }
            Assert.True(silent.Sum(s => s.Connections) >= 32, "The probes never reached the silent servers.");
            Assert.False(pending.IsCompleted);

            var stop = Stopwatch.StartNew();
            shell.Stop();
            stop.Stop();

            Assert.True(stop.Elapsed < TimeSpan.FromSeconds(2), $"Stop() took {stop.Elapsed.TotalMilliseconds:0} ms.");
            Assert.True(pending.IsCompleted);
            Assert.Equal(PSInvocationState.Stopped, shell.InvocationStateInfo.State);
        }

        // The keystore is free: a merge takes its lock at once (a held lock would wait 30 s, then fail).
        using var next = PsSession.NoUi();
        var merge = Stopwatch.StartNew();
        var result = next.Run("param($Path, $Root, $Fingerprint) $Root | Merge-Keystore -Path $Path -TrustPolicy Pinned -TrustedFingerprint $Fingerprint",
            new() { ["Path"] = keystore, ["Root"] = lab.Lab.Untrusted.Root, ["Fingerprint"] = PsLab.Sha256(lab.Lab.Untrusted.Root) });
        result.AssertNoErrors();
        Assert.True(result.Single().Value<bool>("Written"));
        Assert.True(merge.Elapsed < TimeSpan.FromSeconds(10), $"The merge waited {merge.Elapsed.TotalSeconds:0.0} s for the keystore.");
    }
}
