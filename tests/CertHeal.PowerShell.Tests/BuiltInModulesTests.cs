using CertHeal.PowerShell.Tests.Harness;

namespace CertHeal.PowerShell.Tests;

/// <summary>
/// The hosted engine is Microsoft.PowerShell.SDK: a CreateDefault2() runspace autoloads the built-in
/// modules from $PSHOME/Modules, so tests write what users write (Import-Csv, ConvertTo-SecureString,
/// ConvertFrom-Json, Write-Verbose...) instead of .NET stand-ins.
/// </summary>
public sealed class BuiltInModulesTests
{
    [Fact]
    public void Utility_Management_and_Security_cmdlets_autoload_in_a_no_ui_runspace()
    {
        using var ps = PsSession.NoUi();
        var result = ps.Run("""
            $row = 'ComputerName,Port', 'example.test,443' | ConvertFrom-Csv
            $secret = ConvertTo-SecureString 'changeit' -AsPlainText -Force
            $json = '{"a":[1,2],"b":{"c":"d"}}' | ConvertFrom-Json
            [pscustomobject]@{
                Row = $row.ComputerName
                Secret = $secret.GetType().Name
                Json = $json.b.c
                Items = @($json.a).Count
                Location = (Get-Location).Provider.Name
            }
            """);
        result.AssertNoErrors();
        var output = result.Single();
        Assert.Equal("example.test", output.Value<string>("Row"));
        Assert.Equal("SecureString", output.Value<string>("Secret"));
        Assert.Equal("d", output.Value<string>("Json"));
        Assert.Equal(2, output.Value<int>("Items"));
        Assert.Equal("FileSystem", output.Value<string>("Location"));
    }
}
