using CertHeal.PowerShell.Tests.Harness;

namespace CertHeal.PowerShell.Tests;

/// <summary>Get-Help in the real engine, from the shipped en-US MAML: examples and every parameter described.</summary>
public sealed class HelpTests
{
    public static TheoryData<string> Cmdlets()
    {
        using var ps = PsSession.NoUi();
        var names = ps.Run("Get-Command -Module CertHeal -CommandType Cmdlet | ForEach-Object Name").Output.Select(o => o.BaseObject.ToString()!);
        return new TheoryData<string>(names);
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void Every_cmdlet_has_at_least_three_examples(string cmdlet)
    {
        using var ps = PsSession.NoUi();
        var result = ps.Run("param($Name) @((Get-Help $Name -Examples).examples.example) | ForEach-Object { [string]$_.code }", new() { ["Name"] = cmdlet });

        result.AssertNoErrors();
        Assert.True(result.Output.Count >= 3, $"{cmdlet} has {result.Output.Count} examples.");
        Assert.All(result.Output, code => Assert.Contains("-", code.BaseObject.ToString()));
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void Every_parameter_is_described(string cmdlet)
    {
        using var ps = PsSession.NoUi();
        var declared = ps.Run("""
            param($Name)
            $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
            (Get-Command $Name).Parameters.Keys | Where-Object { $_ -notin $common }
            """, new() { ["Name"] = cmdlet }).Output.Select(o => o.BaseObject.ToString()!).ToList();
        var described = ps.Run("""
            param($Name)
            @((Get-Help $Name -Full).parameters.parameter) |
                Where-Object { ([string]($_.description | ForEach-Object Text)).Trim().Length -ge 20 } |
                ForEach-Object { [string]$_.name }
            """, new() { ["Name"] = cmdlet }).Output.Select(o => o.BaseObject.ToString()!).ToHashSet(StringComparer.OrdinalIgnoreCase);

        Assert.NotEmpty(declared);
        Assert.All(declared, p => Assert.True(described.Contains(p), $"{cmdlet} -{p} has no description in Get-Help."));
    }

    [Fact]
    public void The_about_topic_is_found()
    {
        using var ps = PsSession.NoUi();
        var result = ps.Run("[string](Get-Help about_CertHeal)");
        result.AssertNoErrors();
        Assert.Contains("TrustOnFirstUse", string.Concat(result.Output.Select(o => o.BaseObject.ToString())));
    }
}
