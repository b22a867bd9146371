using CertHeal.PowerShell.Tests.Harness;

namespace CertHeal.PowerShell.Tests;

/// <summary>
/// Register-, Unregister- and Get-KeystoreHook in real runspaces over the shipped module, in a
/// system root of the test's own ($env:CERTHEAL_SYSTEM_ROOT), so the machine's /etc is never
/// written. The hooks really firing under update-ca-certificates and apt-get is proved by the
/// engine suite's HooksNamespaceTests.
/// </summary>
[Collection(nameof(SystemRootCollection))]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class KeystoreHookTests(PsLab lab) : IClassFixture<PsLab>
{

    private (string Root, string Cli) NewRoot()
    {
        var root = lab.NewFolder();
        Directory.CreateDirectory(Path.Combine(root, "etc", "ca-certificates", "update.d"));
        Directory.CreateDirectory(Path.Combine(root, "etc", "apt", "apt.conf.d"));
        var cli = Path.Combine(root, "certheal");
        File.WriteAllText(cli, "#!/bin/sh\nexit 0\n");
        File.SetUnixFileMode(cli, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return (root, cli);
    }

    private static PsResult Run(PsSession ps, string root, string command, Dictionary<string, object?>? args = null)
    {
        var all = new Dictionary<string, object?>(args ?? []) { ["Root"] = root };
        var parameters = string.Join(", ", all.Keys.Select(k => "$" + k));
        return ps.Run($"param({parameters}) $env:CERTHEAL_SYSTEM_ROOT = $Root; try {{ {command} }} finally {{ Remove-Item env:CERTHEAL_SYSTEM_ROOT }}", all);
    }

    [Fact]
    public void Register_twice_installs_both_hooks_once_and_Get_reports_them_installed()
    {
        var (root, cli) = NewRoot();
        using var ps = PsSession.NoUi();

        var first = Run(ps, root, "Register-KeystoreHook -CliPath $Cli", new() { ["Cli"] = cli });

        first.AssertNoErrors();
        Assert.Equal(2, first.Output.Count);
        Assert.All(first.Output, h => Assert.Equal("CertHeal.KeystoreHook", h.TypeName()));
        Assert.All(first.Output, h => Assert.True(h.Value<bool>("Changed")));
        Assert.All(first.Output, h => Assert.Equal("Installed", h.Value("State")!.ToString()));
        var script = Path.Combine(root, "etc", "ca-certificates", "update.d", "certheal");
        var apt = Path.Combine(root, "etc", "apt", "apt.conf.d", "80certheal");
        var bytes = (File.ReadAllBytes(script), File.ReadAllBytes(apt));
        var times = (File.GetLastWriteTimeUtc(script), File.GetLastWriteTimeUtc(apt));
        Assert.Contains($"'{cli}' sync --hook --ledger '{Path.Combine(root, "var", "lib", "certheal", "ledger.json")}'", File.ReadAllText(script));

        var second = Run(ps, root, "Register-KeystoreHook -CliPath $Cli", new() { ["Cli"] = cli });

        second.AssertNoErrors();
        Assert.All(second.Output, h => Assert.False(h.Value<bool>("Changed")));
        Assert.Equal(bytes.Item1, File.ReadAllBytes(script));
        Assert.Equal(bytes.Item2, File.ReadAllBytes(apt));
        Assert.Equal(times, (File.GetLastWriteTimeUtc(script), File.GetLastWriteTimeUtc(apt)));
        var status = Run(ps, root, "Get-KeystoreHook -CliPath $Cli", new() { ["Cli"] = cli });
        status.AssertNoErrors();
        Assert.All(status.Output, h => Assert.Equal("Installed", h.Value("State")!.ToString()));
        var other = Run(ps, root, "Get-KeystoreHook UpdateCaCertificates -CliPath $Cli -TimeoutSec 60", new() { ["Cli"] = cli });
        Assert.Equal("Stale", other.Single().Value("State")!.ToString());
    }

    [Fact]
    public void WhatIf_writes_nothing_and_says_what_would_change()
    {
        var (root, cli) = NewRoot();
        using var ps = PsSession.NoUi();

        var result = Run(ps, root, "Register-KeystoreHook -CliPath $Cli -WhatIf", new() { ["Cli"] = cli });

        result.AssertNoErrors();
        Assert.All(result.Output, h => Assert.True(h.Value<bool>("Changed") && h.Value<bool>("WhatIf")));
        Assert.Empty(Directory.GetFiles(Path.Combine(root, "etc"), "*", SearchOption.AllDirectories));

        Run(ps, root, "Register-KeystoreHook -CliPath $Cli", new() { ["Cli"] = cli }).AssertNoErrors();
        var removal = Run(ps, root, "Unregister-KeystoreHook -WhatIf");
        removal.AssertNoErrors();
        Assert.All(removal.Output, h => Assert.True(h.Value<bool>("Changed")));
        Assert.Equal(2, Directory.GetFiles(Path.Combine(root, "etc"), "*", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public void Unregister_takes_Get_output_from_the_pipeline_and_leaves_a_file_that_is_not_ours()
    {
        var (root, cli) = NewRoot();
        using var ps = PsSession.NoUi();
        Run(ps, root, "Register-KeystoreHook UpdateCaCertificates -CliPath $Cli", new() { ["Cli"] = cli }).AssertNoErrors();
        var foreign = Path.Combine(root, "etc", "apt", "apt.conf.d", "80certheal");
        File.WriteAllText(foreign, "// someone else's\nDPkg::Post-Invoke { \"true\"; };\n");

        var result = Run(ps, root, "Get-KeystoreHook -CliPath $Cli | Unregister-KeystoreHook", new() { ["Cli"] = cli });

        var error = result.Error("CertHeal.HookFailed");
        Assert.Equal(foreign, error.TargetObject);
        Assert.Contains("was not written by CertHeal", error.Exception.Message);
        Assert.True(File.Exists(foreign));
        var removed = Assert.Single(result.Output);
        Assert.Equal("Absent", removed.Value("State")!.ToString());
        Assert.True(removed.Value<bool>("Changed"));
        Assert.False(File.Exists(Path.Combine(root, "etc", "ca-certificates", "update.d", "certheal")));
    }

    [Fact]
    public void ConfirmImpact_Medium_runs_without_a_prompt_and_No_at_Confirm_writes_nothing()
    {
        var (root, cli) = NewRoot();
        using var quiet = PsSession.WithHost();

        var installed = Run(quiet, root, "Register-KeystoreHook UpdateCaCertificates -CliPath $Cli", new() { ["Cli"] = cli });

        installed.AssertNoErrors();
        Assert.Empty(quiet.Host!.Prompts);
        Assert.True(installed.Single().Value<bool>("Changed"));

        using var asked = PsSession.WithHost(PromptAnswer.No);
        var declined = Run(asked, root, "Register-KeystoreHook DpkgPostInvoke -CliPath $Cli -Confirm", new() { ["Cli"] = cli });

        declined.AssertNoErrors();
        Assert.Single(asked.Host!.Prompts);
        Assert.False(declined.Single().Value<bool>("Changed"));
        Assert.False(File.Exists(Path.Combine(root, "etc", "apt", "apt.conf.d", "80certheal")));
    }

    [Fact]
    public void A_missing_certheal_or_a_system_without_APT_is_one_clear_error()
    {
        var (root, _) = NewRoot();
        using var ps = PsSession.NoUi();
        var missing = Path.Combine(root, "no-such-certheal");

        var result = Run(ps, root, "Register-KeystoreHook -CliPath $Cli", new() { ["Cli"] = missing });

        var error = result.Error("CertHeal.CliNotFound");
        Assert.Equal(missing, error.TargetObject);
        Assert.Contains("does not exist", error.Exception.Message);

        Directory.Delete(Path.Combine(root, "etc", "apt"), recursive: true);
        result = Run(ps, root, "Register-KeystoreHook DpkgPostInvoke -CliPath $Cli", new() { ["Cli"] = Path.Combine(root, "certheal") });
        Assert.Contains("not a Debian system with APT", result.Error("CertHeal.HookFailed").Exception.Message);
    }
}
