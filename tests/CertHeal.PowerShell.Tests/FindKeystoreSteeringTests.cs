using System.Diagnostics;
using CertHeal.Lab;
using CertHeal.PowerShell.Tests.Harness;

namespace CertHeal.PowerShell.Tests;

/// <summary>
/// Find-Keystore -ProcessId -SteerTo in a real runspace: a node that fails the lab server's
/// handshake gets a RuntimeSteering whose Command is PowerShell, and a new node with that switch connects.
/// </summary>
public sealed class FindKeystoreSteeringTests(PsLab lab) : IClassFixture<PsLab>
{
    private const string NodeClient = "const https = require('https'); if (process.argv[1] === 'wait') { process.stdin.resume(); } else "
        + "{ https.get(process.argv[1], r => { console.log('status ' + r.statusCode); process.exit(0); }).on('error', e => { console.error(e.code || e.message); process.exit(3); }); }";

    // This machine's own trust variables would be inherited, and each is a store Find-Keystore reports.
    private static readonly string[] TrustVariables =
        ["SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "PIP_CERT", "NODE_EXTRA_CA_CERTS", "NODE_USE_SYSTEM_CA", "NODE_OPTIONS", "GIT_SSL_CAINFO"];

    private static Process Node(string argument, Dictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-e");
        info.ArgumentList.Add(NodeClient);
        info.ArgumentList.Add(argument);
        foreach (var name in TrustVariables)
        {
            info.Environment.Remove(name);
        }
        foreach (var (name, value) in environment ?? [])
        {
            info.Environment[name] = value;
        }
        return Process.Start(info)!;
    }

    private static (int Code, string Output) Fetch(string url, Dictionary<string, string>? environment = null)
    {
        using var node = Node(url, environment);
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        if (!node.WaitForExit(60_000))
        {
            node.Kill();
            throw new TimeoutException("node did not finish within 60 s.");
        }
        return (node.ExitCode, stdout.Result + stderr.Result);
    }

    [SkippableFact]
    public async Task A_node_process_gets_its_switch_as_PowerShell_and_a_node_started_with_it_connects()
    {
        Skip.IfNot((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "node"))), "node is not installed (Debian package nodejs).");
        var (leaf, chain) = lab.Lab.Material(LabScenario.UntrustedRoot)!.Value;
        await using var server = LabHttpServer.StartTls(leaf, chain);
        var folder = lab.NewFolder();
        var healed = Path.Combine(folder, "it's healed.pem");
        var running = Node("wait");
        try
        {
            using var ps = PsSession.NoUi();
            var p = new Dictionary<string, object?>
            {
                ["Target"] = $"127.0.0.1:{server.Port}", ["Store"] = healed, ["Pin"] = PsLab.Sha256(lab.Lab.Untrusted.Root), ["Ledger"] = Path.Combine(folder, "ledger.json"), ["Id"] = running.Id,
            };
            var before = Fetch(server.Url("/"));
            var heal = ps.Run("param($Target, $Store, $Pin, $Ledger) Get-ServerCertificateChain $Target | Merge-Keystore -Path $Store -TrustPolicy Pinned -TrustedFingerprint $Pin -LedgerPath $Ledger", p);
            var found = ps.Run("param($Id, $Store) Find-Keystore -ProcessId $Id -SteerTo $Store -Verbose", p);
            var roundTrip = ps.Run("param($Id, $Store) [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize((Find-Keystore -ProcessId $Id -SteerTo $Store))).Steering[0].Kind", p);
            var list = ps.Run("param($Id, $Store) Find-Keystore -ProcessId $Id -SteerTo $Store | Format-List | Out-String -Width 200", p);

            Assert.Equal(3, before.Code);
            heal.AssertNoErrors();
            found.AssertNoErrors();
            var location = found.Single();
            Assert.Equal(healed, location.Value<string>("Path"));
            var steering = Assert.Single(location.Items("Steering"));
            Assert.Equal("CertHeal.RuntimeSteering", steering.TypeName());
            Assert.Equal("Node", steering.Value("Runtime")!.ToString());
            Assert.Equal("EnvironmentVariable", steering.Value("Kind")!.ToString());
            Assert.Equal(("NODE_EXTRA_CA_CERTS", healed), (steering.Value<string>("Name"), steering.Value<string>("Value")));
            Assert.Equal($"$env:NODE_EXTRA_CA_CERTS = '{healed.Replace("'", "''", StringComparison.Ordinal)}'", steering.Value<string>("Command"));
            Assert.Contains(found.VerboseText, v => v.StartsWith($"Process {running.Id} (Node): $env:NODE_EXTRA_CA_CERTS = ", StringComparison.Ordinal));
            Assert.Equal("EnvironmentVariable", roundTrip.Single().ToString());
            Assert.Contains("$env:NODE_EXTRA_CA_CERTS = ", list.Single().ToString());

            var after = Fetch(server.Url("/"), new() { [steering.Value<string>("Name")] = steering.Value<string>("Value") });
            Assert.True(after.Code == 0, after.Output);
            Assert.Contains("status 404", after.Output);
        }
        finally
        {
            running.Kill();
            running.WaitForExit(10_000);
            running.Dispose();
        }
    }
}
