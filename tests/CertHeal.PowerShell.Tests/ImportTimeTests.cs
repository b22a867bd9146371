using System.Diagnostics;
using System.Management.Automation.Runspaces;
using CertHeal.PowerShell.Tests.Harness;
using Xunit.Abstractions;

namespace CertHeal.PowerShell.Tests;

/// <summary>How long Import-Module of the shipped folder takes in a fresh runspace (reported in README "Performance").</summary>
public sealed class ImportTimeTests(ITestOutputHelper output)
{
    [Fact]
    public void Import_module_time_is_reported()
    {
        var times = new List<double>();
        // As many cmdlets as the manifest lists: adding one (Find-TlsBypass made it eight) does not make this timing test fail.
        var listed = System.Text.RegularExpressions.Regex.Matches(
            System.Text.RegularExpressions.Regex.Match(File.ReadAllText(ShippedModule.Manifest), @"CmdletsToExport\s*=\s*@\(([^)]*)\)").Groups[1].Value, "'([^']+)'").Count;
        Assert.True(listed >= 8, "CertHeal.psd1's CmdletsToExport was not read.");
        for (var i = 0; i < 3; i++)
        {
            using var runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
            runspace.Open();
            using var shell = System.Management.Automation.PowerShell.Create();
            shell.Runspace = runspace;
            shell.AddScript("param($Manifest) Import-Module -Name $Manifest -ErrorAction Stop; (Get-Command -Module CertHeal).Count").AddParameter("Manifest", ShippedModule.Manifest);
            var clock = Stopwatch.StartNew();
            var count = shell.Invoke();
            times.Add(clock.Elapsed.TotalMilliseconds);
            Assert.False(shell.HadErrors);
            Assert.Equal(listed, (int)count[0].BaseObject);
        }
        output.WriteLine($"Import-Module CertHeal: first {times[0]:0} ms (cold, includes loading the assemblies), then {times[1]:0} ms and {times[2]:0} ms (warm)");
        Assert.True(times[0] < 15_000, $"Import-Module took {times[0]:0} ms");
    }
}
