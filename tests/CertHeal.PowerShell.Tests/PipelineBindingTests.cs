using System.Management.Automation;
using CertHeal.Lab;
using CertHeal.PowerShell.Tests.Harness;

namespace CertHeal.PowerShell.Tests;

/// <summary>
/// What users pipe into each cmdlet: strings, Uri, Import-Csv rows (PSCustomObject with string
/// columns), the previous stage's objects, and the same objects after a PSSerializer round trip
/// (what remoting, Export-Clixml and background jobs deliver).
/// </summary>
public sealed class PipelineBindingTests(PsLab lab) : IClassFixture<PsLab>
{
    /// <summary>A row from the real Import-Csv (every column a string), read in <paramref name="ps"/> from a file holding <paramref name="header"/> and <paramref name="values"/>.</summary>
    private PSObject CsvRow(PsSession ps, string header, string values)
    {
        var file = Path.Combine(lab.NewFolder(), "targets.csv");
        File.WriteAllText(file, header + "\n" + values + "\n");
        var row = ps.Run("param($File) Import-Csv -LiteralPath $File", new() { ["File"] = file });
        row.AssertNoErrors();
        return row.Single();
    }

    private static List<PSObject> RoundTrip(IEnumerable<PSObject> items) =>
        items.Select(i => PSObject.AsPSObject(PSSerializer.Deserialize(PSSerializer.Serialize(i)))).ToList();

    [Fact]
    public void Test_TlsHandshake_binds_strings_Uris_csv_rows_and_deserialized_results()
    {
        var endpoint = lab.Lab.Start(LabScenario.GoodChain);
        using var ps = PsSession.NoUi();
        object[] inputs =
        [
            endpoint.Target,
            new Uri($"https://127.0.0.1:{endpoint.Port}/health"),
            CsvRow(ps, "ComputerName,Port", $"127.0.0.1,{endpoint.Port}"),
        ];
        var first = ps.Run("param($Inputs, $Keystore) $Inputs | Test-TlsHandshake -Keystore $Keystore -TimeoutSec 10", new() { ["Inputs"] = inputs, ["Keystore"] = lab.TrustedRootPem });
        first.AssertNoErrors();
        Assert.Equal(3, first.Output.Count);

        var again = ps.Run("param($Inputs, $Keystore) $Inputs | Test-TlsHandshake -Keystore $Keystore -TimeoutSec 10", new() { ["Inputs"] = RoundTrip(first.Output), ["Keystore"] = lab.TrustedRootPem });

        again.AssertNoErrors();
        Assert.Equal(3, again.Output.Count);
        Assert.All(first.Output.Concat(again.Output), r =>
        {
            Assert.Equal(endpoint.Port, r.Value<int>("Port"));
            Assert.True(r.Value<bool>("Succeeded"), r.Value<string>("Reason"));
        });
    }

    [Fact]
    public void Get_ServerCertificateChain_binds_HandshakeResults_live_and_deserialized()
    {
        var endpoint = lab.Lab.Start(LabScenario.GoodChain);
        using var ps = PsSession.NoUi();
        var probe = ps.Run("param($T) Test-TlsHandshake $T -TimeoutSec 10", new() { ["T"] = endpoint.Target });
        probe.AssertNoErrors();

        foreach (var input in new[] { probe.Output, RoundTrip(probe.Output) })
        {
            var chain = ps.Run("param($Inputs) $Inputs | Get-ServerCertificateChain -NoAia -TimeoutSec 10", new() { ["Inputs"] = input.ToArray() });
            chain.AssertNoErrors();
            Assert.Equal(endpoint.Presented.Select(c => c.Thumbprint), chain.Output.Where(c => c.Value<string>("Source") == "Presented").Select(c => c.Value<string>("Thumbprint")));
        }
        Assert.StartsWith("Deserialized.", RoundTrip(probe.Output)[0].TypeName());
    }

    [Fact]
    public void Get_ServerCertificateChain_binds_csv_rows_with_ComputerName_and_Port()
    {
        var endpoint = lab.Lab.Start(LabScenario.UntrustedRoot);
        using var ps = PsSession.NoUi();

        var chain = ps.Run("param($Row) $Row | Get-ServerCertificateChain -NoAia -TimeoutSec 10",
            new() { ["Row"] = CsvRow(ps, "ComputerName,Port", $"127.0.0.1,{endpoint.Port}") });

        chain.AssertNoErrors();
        Assert.Equal(3, chain.Output.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Merge_Keystore_binds_ChainCertificates_live_and_deserialized(bool deserialized)
    {
        var endpoint = lab.Lab.Start(LabScenario.UntrustedRoot);
        var path = Path.Combine(lab.NewFolder(), "store.p12");
        using var ps = PsSession.NoUi();
        var chain = ps.Run("param($T) Get-ServerCertificateChain $T -NoAia -TimeoutSec 10", new() { ["T"] = endpoint.Target });
        chain.AssertNoErrors();
        var input = deserialized ? RoundTrip(chain.Output) : chain.Output;

        var merge = ps.Run("param($Inputs, $Path, $Password, $Fingerprint) $Inputs | Merge-Keystore -Path $Path -Password $Password -Format Pkcs12 -TrustPolicy Pinned -TrustedFingerprint $Fingerprint",
            new() { ["Inputs"] = input.ToArray(), ["Path"] = path, ["Password"] = Secrets.ChangeIt, ["Fingerprint"] = PsLab.Sha256(lab.Lab.Untrusted.Root) });

        merge.AssertNoErrors();
        var change = merge.Single();
        Assert.Equal(2, change.Value<int>("Added")); // root and intermediate; the leaf is trusted through them
        Assert.True(change.Value<bool>("Written"));
    }

    [Fact]
    public void Merge_Keystore_binds_pem_text_raw_data_objects_and_file_paths()
    {
        var folder = lab.NewFolder();
        var root = lab.Lab.Trusted.Root;
        var untrusted = lab.Lab.Untrusted.Root;
        var intermediate = lab.Lab.Trusted.Intermediate;
        File.WriteAllText(Path.Combine(folder, "intermediate.pem"), CertificateMint.ToPem(intermediate));
        var rawOnly = new PSObject();
        rawOnly.Properties.Add(new PSNoteProperty("RawData", untrusted.RawData));
        using var ps = PsSession.NoUi();
        ps.SetLocation(folder);

        var merge = ps.Run("param($Inputs, $Fingerprints) $Inputs | Merge-Keystore -Path store.pem -TrustPolicy Pinned -TrustedFingerprint $Fingerprints",
            new() { ["Inputs"] = new object[] { CertificateMint.ToPem(root), rawOnly, "intermediate.pem" }, ["Fingerprints"] = new[] { PsLab.Sha256(root), PsLab.Sha256(untrusted) } });

        merge.AssertNoErrors();
        Assert.Equal(3, merge.Single().Value<int>("Added"));
        Assert.True(File.Exists(Path.Combine(folder, "store.pem")));
    }

    [Fact]
    public void Confirm_Keystore_binds_strings_csv_rows_and_deserialized_results()
    {
        var endpoint = lab.Lab.Start(LabScenario.GoodChain);
        using var ps = PsSession.NoUi();
        var probe = ps.Run("param($T, $K) Test-TlsHandshake $T -Keystore $K -TimeoutSec 10", new() { ["T"] = endpoint.Target, ["K"] = lab.TrustedRootPem });
        object[] inputs =
        [
            endpoint.Target,
            new Uri($"https://127.0.0.1:{endpoint.Port}/"),
            CsvRow(ps, "ComputerName,Port", $"127.0.0.1,{endpoint.Port}"),
            RoundTrip(probe.Output)[0],
        ];

        var result = ps.Run("param($Inputs, $Path) $Inputs | Confirm-Keystore -Path $Path -TimeoutSec 10", new() { ["Inputs"] = inputs, ["Path"] = lab.TrustedRootPem });

        result.AssertNoErrors();
        var endpoints = result.Single().Items("Endpoints");
        Assert.Equal(4, endpoints.Count);
        Assert.All(endpoints, e =>
        {
            Assert.Equal(endpoint.Port, e.Value<int>("Port"));
            Assert.True(e.Value<bool>("Succeeded"), e.Value<string>("Reason"));
        });
    }

    [Fact]
    public void Invoke_HealedRequest_binds_strings_Uris_and_objects_with_a_Uri_property()
    {
        var endpoint = lab.Lab.Start(LabScenario.GoodChain);
        var keystore = Path.Combine(lab.NewFolder(), "trust.pem");
        File.Copy(lab.TrustedRootPem, keystore);
        using var ps = PsSession.NoUi();
        var url = $"https://127.0.0.1:{endpoint.Port}/";
        object[] inputs = [url, new Uri(url), CsvRow(ps, "Uri", url)];

        var result = ps.Run("param($Inputs, $Keystore) $Inputs | Invoke-HealedRequest -Keystore $Keystore -TimeoutSec 20", new() { ["Inputs"] = inputs, ["Keystore"] = keystore });

        result.AssertNoErrors();
        Assert.Equal(3, result.Output.Count);
        Assert.All(result.Output, r => Assert.Equal(200, r.Value<int>("StatusCode")));
    }
}
