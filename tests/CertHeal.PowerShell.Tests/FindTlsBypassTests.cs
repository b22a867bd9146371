using System.Diagnostics;
using System.Management.Automation;
using System.Security.Cryptography;
using CertHeal.PowerShell.Tests.Harness;

namespace CertHeal.PowerShell.Tests;

/// <summary>Find-TlsBypass in real runspaces over the shipped module: objects, PowerShell wording, errors, processes, progress and Stop().</summary>
public sealed class FindTlsBypassTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("certheal-ps-bypass-").FullName;

    public FindTlsBypassTests()
    {
        File.WriteAllText(Path.Combine(_folder, ".gitconfig"), "[http \"https://git.corp.example/\"]\n\tsslVerify = false\n");
        File.WriteAllText(Path.Combine(_folder, "run.sh"), "# curl -k https://old.example/\nexport NODE_TLS_REJECT_UNAUTHORIZED=0\n");
        File.WriteAllText(Path.Combine(_folder, "clean.sh"), "curl https://ok.example/\n");
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private Dictionary<string, string> Hashes() => Directory.GetFiles(_folder).ToDictionary(f => f, f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))) + File.GetLastWriteTimeUtc(f).Ticks);

    [Fact]
    public void A_path_scan_emits_TlsBypass_objects_whose_Recommendation_speaks_PowerShell_and_writes_nothing()
    {
        var before = Hashes();
        using var ps = PsSession.NoUi();

        var result = ps.Run("param($Folder) Find-TlsBypass -Path $Folder", new() { ["Folder"] = _folder });

        result.AssertNoErrors();
        Assert.Equal(2, result.Output.Count);
        Assert.All(result.Output, o => Assert.Equal("CertHeal.TlsBypass", o.TypeName()));
        var git = result.Output.Single(o => o.Value("Kind")!.ToString() == "GitSslVerifyFalse");
        var gitconfig = Path.Combine(_folder, ".gitconfig");
        Assert.Equal((gitconfig, 2, "git.corp.example:443"), (git.Value<string>("Path"), git.Value<int>("Line"), git.Value<string>("Endpoint")));
        Assert.Equal("Test-TlsHandshake -Target 'git.corp.example:443'; if it fails: Get-ServerCertificateChain -Target 'git.corp.example:443' | Merge-Keystore -TrustPolicy Pinned "
            + $"-TrustedFingerprint <the root's SHA-256 from Test-TlsHandshake>; then remove 'sslVerify = false' from line 2 of '{gitconfig}'", git.Value<string>("Recommendation"));
        Assert.Equal("TestPinAndRemoveBypass", PSObject.AsPSObject(git.Value("Remedy")!).Properties["Kind"].Value.ToString());
        var node = result.Output.Single(o => o.Value("Kind")!.ToString() == "NodeTlsRejectUnauthorized");
        Assert.Equal(2, node.Value<int>("Line")); // line 1 is a comment
        Assert.Equal($"Test-TlsHandshake -Target <the host:port it calls>, heal what it reports, then remove 'NODE_TLS_REJECT_UNAUTHORIZED=0' from line 2 of '{Path.Combine(_folder, "run.sh")}'",
            node.Value<string>("Recommendation"));
        Assert.All(result.Output, o => Assert.DoesNotMatch("certheal (test|chain|merge)|--[a-z]", o.Value<string>("Recommendation")));
        Assert.Equal(before, Hashes());
    }

    [Fact]
    public void Wildcards_expand_and_the_default_table_fits_80_columns()
    {
        using var ps = PsSession.NoUi();

        var result = ps.Run("param($Pattern) Find-TlsBypass -Path $Pattern | Out-String -Width 80", new() { ["Pattern"] = Path.Combine(_folder, "*.sh") });

        result.AssertNoErrors();
        var table = string.Concat(result.Output.Select(o => o.BaseObject.ToString()));
        Assert.Contains("NODE_TLS_REJECT_UNAUTHORIZED=0", table);
        Assert.Contains("run.sh:2", table);
        Assert.DoesNotContain("gitconfig", table);
    }

    [Fact]
    public void A_missing_path_is_a_non_terminating_PathNotFound_naming_it_and_the_other_paths_are_still_scanned()
    {
        using var ps = PsSession.NoUi();
        var missing = Path.Combine(_folder, "nope");

        var result = ps.Run("param($Missing, $Folder, $NoMatch) Find-TlsBypass -Path $Missing, 'Env:\\PATH', $NoMatch, $Folder",
            new() { ["Missing"] = missing, ["Folder"] = _folder, ["NoMatch"] = Path.Combine(_folder, "*.nothing") });

        Assert.Null(result.Terminating);
        Assert.Equal(["CertHeal.PathNotFound", "CertHeal.PathNotFound", "CertHeal.PathNotFound"], result.ErrorIds);
        var error = result.Errors[0];
        Assert.Equal(missing, error.TargetObject);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal($"-Path '{missing}' does not exist; check the path.", error.Exception.Message);
        Assert.Contains("Environment", result.Errors[1].Exception.Message);
        Assert.Equal(2, result.Output.Count);
    }

    [Fact]
    public void Only_bad_names_scan_nothing_rather_than_the_whole_machine()
    {
        using var ps = PsSession.NoUi();

        var result = ps.Run("param($Missing) Find-TlsBypass -Path $Missing -ProcessId 2147483640 -Verbose", new() { ["Missing"] = Path.Combine(_folder, "nope") });

        Assert.Equal(["CertHeal.ProcessNotFound", "CertHeal.PathNotFound"], result.ErrorIds);
        Assert.Equal(2147483640, result.Errors[0].TargetObject);
        Assert.Empty(result.Output);
        Assert.Empty(result.Verbose);
    }

    [Fact]
    public void A_process_started_with_the_variables_is_found_through_Id_by_property_name()
    {
        var info = new ProcessStartInfo("sleep") { UseShellExecute = false };
        info.ArgumentList.Add("300");
        info.Environment["NODE_TLS_REJECT_UNAUTHORIZED"] = "0";
        info.Environment["GIT_SSL_NO_VERIFY"] = "1";
        using var sleep = Process.Start(info)!;
        try
        {
            using var ps = PsSession.NoUi();
            var result = ps.Run("param($Id) [pscustomobject]@{ Id = $Id } | Find-TlsBypass", new() { ["Id"] = sleep.Id });

            result.AssertNoErrors();
            Assert.Equal(["GitSslNoVerify", "NodeTlsRejectUnauthorized"], result.Output.Select(o => o.Value("Kind")!.ToString()).Order());
            Assert.All(result.Output, o => Assert.Equal(sleep.Id, o.Value<int>("ProcessId")));
            Assert.Contains(result.Output, o => o.Value<string>("Recommendation").EndsWith($"then restart process {sleep.Id} (sleep) without 'GIT_SSL_NO_VERIFY=1'", StringComparison.Ordinal));
        }
        finally
        {
            sleep.Kill();
            sleep.WaitForExit(10_000);
        }
    }

    [Fact]
    public void It_is_read_only_so_it_has_no_WhatIf_or_Confirm()
    {
        using var ps = PsSession.NoUi();

        var result = ps.Run("(Get-Command Find-TlsBypass).Parameters.Keys");

        result.AssertNoErrors();
        var names = result.Output.Select(o => o.BaseObject.ToString()).ToList();
        Assert.DoesNotContain("WhatIf", names);
        Assert.DoesNotContain("Confirm", names);
        Assert.Contains("Depth", names);
    }

    [Fact]
    public async Task A_long_walk_shows_progress_and_Stop_ends_it_within_2_s()
    {
        using var ps = PsSession.NoUi();
        var (shell, pending) = ps.Start("Find-TlsBypass -Path /usr -Depth 64");
        using (shell)
        {
            var wait = Stopwatch.StartNew();
            while (shell.Streams.Progress.Count == 0 && !pending.IsCompleted && wait.Elapsed < TimeSpan.FromSeconds(20))
            {
                await Task.Delay(20);
            }
            Assert.False(pending.IsCompleted, "The walk of /usr ended before it could be stopped.");
            var progress = shell.Streams.Progress[0];
            Assert.Equal("Find-TlsBypass", progress.Activity);
            Assert.Matches("^[0-9]+ read$", progress.StatusDescription);

            var stop = Stopwatch.StartNew();
            shell.Stop();

            Assert.True(stop.Elapsed < TimeSpan.FromSeconds(2), $"Stop() took {stop.Elapsed.TotalMilliseconds:0} ms.");
            Assert.Equal(PSInvocationState.Stopped, shell.InvocationStateInfo.State);
        }
    }
}
