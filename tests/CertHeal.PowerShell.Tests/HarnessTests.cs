using System.Management.Automation;
using System.Management.Automation.Host;
using CertHeal.Lab;
using CertHeal.PowerShell.Tests.Harness;

namespace CertHeal.PowerShell.Tests;

/// <summary>The harness itself: the shipped module imports, the two hosts behave as the real ones do.</summary>
public sealed class HarnessTests(PsLab lab) : IClassFixture<PsLab>
{
    [Fact]
    public void The_module_folder_is_assembled_as_it_ships()
    {
        foreach (var file in new[] { "CertHeal.psd1", "CertHeal.dll", "CertHeal.Engine.dll", "BouncyCastle.Cryptography.dll", "CertHeal.Format.ps1xml", "CertHeal.Types.ps1xml",
                     "en-US/CertHeal.dll-Help.xml", "en-US/about_CertHeal.help.txt", "LICENSE" })
        {
            Assert.True(File.Exists(Path.Combine(ShippedModule.Folder, file)), $"{file} is missing from {ShippedModule.Folder}");
        }
        Assert.False(File.Exists(Path.Combine(ShippedModule.Folder, "System.Management.Automation.dll")), "PowerShell's own assembly must not ship in the module.");
    }

    [Fact]
    public void Import_exports_every_cmdlet_from_the_module_folder()
    {
        using var ps = PsSession.NoUi();
        var result = ps.Run("Get-Command -Module CertHeal | ForEach-Object Name");
        result.AssertNoErrors();
        var names = result.Output.Select(o => o.BaseObject.ToString()).ToHashSet();
        foreach (var cmdlet in new[] { "Test-TlsHandshake", "Get-ServerCertificateChain", "Merge-Keystore", "Confirm-Keystore", "Invoke-HealedRequest" })
        {
            Assert.Contains(cmdlet, names);
        }
        var path = ps.Run("(Get-Module CertHeal).ModuleBase").Single().BaseObject.ToString();
        Assert.Equal(Path.GetFullPath(ShippedModule.Folder).TrimEnd('/'), Path.GetFullPath(path!).TrimEnd('/'));
    }

    [Fact]
    public void Test_TlsHandshake_runs_against_a_lab_server_in_a_no_ui_runspace()
    {
        var endpoint = lab.Lab.Start(LabScenario.GoodChain);
        using var ps = PsSession.NoUi();
        var result = ps.Run("param($Target, $Keystore) Test-TlsHandshake $Target -Keystore $Keystore -TimeoutSec 10 -Verbose",
            new() { ["Target"] = endpoint.Target, ["Keystore"] = lab.TrustedRootPem });
        result.AssertNoErrors();
        var handshake = result.Single();
        Assert.Equal("CertHeal.HandshakeResult", handshake.TypeName());
        Assert.True(handshake.Value<bool>("Succeeded"), handshake.Value<string>("Reason"));
        Assert.Equal("None", handshake.Value<string>("Failure"));
        Assert.Contains(result.VerboseText, v => v.Contains(endpoint.Target, StringComparison.Ordinal));
    }

    [Fact]
    public void A_no_ui_runspace_throws_HostFunctionNotImplemented_on_a_prompt_as_runbooks_do()
    {
        using var ps = PsSession.NoUi();
        var result = ps.Run("$Host.UI.PromptForChoice('caption', 'message', [System.Management.Automation.Host.ChoiceDescription[]]@('&Yes', '&No'), 0)");
        var host = Assert.IsType<HostException>(Inner(Assert.Single(result.AllErrors)));
        Assert.Equal("HostFunctionNotImplemented", host.ErrorRecord.FullyQualifiedErrorId);
    }

    [Fact]
    public void The_scripted_host_answers_from_its_queue_and_records_prompts_and_streams()
    {
        using var ps = PsSession.WithHost(PromptAnswer.No, PromptAnswer.YesToAll);
        var result = ps.Run("""
            $choices = [System.Management.Automation.Host.ChoiceDescription[]]@('&Yes', 'Yes to &All', '&No', 'No to A&ll')
            $Host.UI.PromptForChoice('c1', 'm1', $choices, 0)
            $Host.UI.PromptForChoice('c2', 'm2', $choices, 0)
            function Write-Streams {
                [CmdletBinding()] param()
                Write-Verbose 'v'
                Write-Warning 'w'
                Write-Information 'i'
                Write-Progress -Id 7 -Activity 'a' -Status 's' -PercentComplete 50
            }
            Write-Streams -Verbose -InformationAction Continue
            """);
        result.AssertNoErrors();
        Assert.Equal([2, 1], result.Output.Select(o => (int)o.BaseObject));
        Assert.Equal(["No", "Yes to All"], ps.Host!.Prompts.Select(p => p.Answer));
        Assert.Equal("m1", ps.Host.Prompts[0].Message);
        Assert.Contains("v", ps.Host.Verbose);
        Assert.Contains("w", ps.Host.Warnings);
        Assert.Contains(ps.Host.Information, i => i.MessageData.ToString() == "i");
        Assert.Contains(ps.Host.Progress, p => p.ActivityId == 7 && p.PercentComplete == 50);
        Assert.Single(result.Verbose);
        Assert.Contains(result.Progress, p => p.ActivityId == 7);
    }

    [Fact]
    public void The_scripted_host_can_refuse_prompts_like_pwsh_NonInteractive()
    {
        using var ps = PsSession.WithHost(new ScriptedHost { NonInteractive = true });
        var result = ps.Run("$Host.UI.PromptForChoice('c', 'm', [System.Management.Automation.Host.ChoiceDescription[]]@('&Yes', '&No'), 0)");
        Assert.IsType<PSInvalidOperationException>(Inner(Assert.Single(result.AllErrors)));
    }

    private static Exception Inner(ErrorRecord record) => record.Exception is MethodInvocationException { InnerException: { } inner } ? inner : record.Exception;

    [Fact]
    public void Set_location_moves_the_runspace_not_the_process()
    {
        var folder = lab.NewFolder();
        var before = Environment.CurrentDirectory;
        using var ps = PsSession.NoUi();
        ps.SetLocation(folder);
        Assert.Equal(Path.GetFullPath(folder), ps.Location);
        Assert.Equal(before, Environment.CurrentDirectory);
    }
}
