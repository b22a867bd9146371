using System.Management.Automation;
using CertHeal.Lab;
using CertHeal.PowerShell.Tests.Harness;

namespace CertHeal.PowerShell.Tests;

/// <summary>Tab completion as a person gets it in the console: CommandCompletion.CompleteInput in a real runspace.</summary>
public sealed class CompletionTests(PsLab lab) : IClassFixture<PsLab>
{
    private static List<string> Complete(PsSession ps, string line, Dictionary<string, object?>? variables = null)
    {
        var script = "param($Line, $Variables) if ($Variables) { foreach ($k in $Variables.Keys) { $ExecutionContext.SessionState.PSVariable.Set($k, $Variables[$k]) } }; " +
            "[System.Management.Automation.CommandCompletion]::CompleteInput($Line, $Line.Length, $null).CompletionMatches | ForEach-Object CompletionText";
        var result = ps.Run(script, new() { ["Line"] = line, ["Variables"] = variables is null ? null : new System.Collections.Hashtable(variables) });
        result.AssertNoErrors();
        return result.Output.Select(o => o.BaseObject.ToString()!).ToList();
    }

    [Fact]
    public void Keystore_paths_complete_to_folders_and_files_whose_content_is_a_keystore()
    {
        var folder = lab.NewFolder();
        File.WriteAllText(Path.Combine(folder, "trust-roots.pem"), lab.Lab.Trusted.Root.ExportCertificatePem());
        File.WriteAllBytes(Path.Combine(folder, "trust-root.der"), lab.Lab.Trusted.Root.RawData);
        File.WriteAllBytes(Path.Combine(folder, "trust.jks"), [0xFE, 0xED, 0xFE, 0xED, 0, 0, 0, 2, 0, 0, 0, 0]);
        File.WriteAllText(Path.Combine(folder, "trust-notes.txt"), "not a keystore");
        Directory.CreateDirectory(Path.Combine(folder, "trust-certs"));
        using var ps = PsSession.NoUi();
        ps.SetLocation(folder);

        var merge = Complete(ps, "Merge-Keystore -Path trust");
        var probe = Complete(ps, "Test-TlsHandshake localhost -Keystore ./trust");

        Assert.Contains("trust-roots.pem", merge);
        Assert.Contains("trust-root.der", merge);
        Assert.Contains("trust.jks", merge);
        Assert.Contains(merge, m => m.StartsWith("trust-certs", StringComparison.Ordinal));
        Assert.DoesNotContain(merge, m => m.Contains("notes", StringComparison.Ordinal));
        Assert.Contains("./trust.jks", probe);
        Assert.DoesNotContain(probe, m => m.Contains("notes", StringComparison.Ordinal));
    }

    [Fact]
    public void Trusted_fingerprints_complete_from_the_roots_in_the_piped_variable()
    {
        var endpoint = lab.Lab.Start(LabScenario.UntrustedRoot);
        using var ps = PsSession.NoUi();
        var chain = ps.Run("param($Target) Get-ServerCertificateChain $Target -NoAia -TimeoutSec 10", new() { ["Target"] = endpoint.Target });
        chain.AssertNoErrors();
        var root = PsLab.Sha256(lab.Lab.Untrusted.Root);
        var leaf = PsLab.Sha256(endpoint.Presented[0]);

        var all = Complete(ps, "$chain | Merge-Keystore -TrustPolicy Pinned -TrustedFingerprint ", new() { ["chain"] = chain.Output.ToArray() });
        var typed = Complete(ps, "$chain | Merge-Keystore -TrustedFingerprint " + root[..6], new() { ["chain"] = chain.Output.ToArray() });

        Assert.Equal([root], all);
        Assert.DoesNotContain(leaf, all);
        Assert.Equal([root], typed);
    }

    [Fact]
    public void Protocol_values_complete_by_name()
    {
        using var ps = PsSession.NoUi();

        var protocols = Complete(ps, "Test-TlsHandshake localhost -Protocol Tls1");

        Assert.Contains("Tls12", protocols);
        Assert.Contains("Tls13", protocols);
    }

    [Fact]
    public void StartTls_protocols_complete_by_name()
    {
        using var ps = PsSession.NoUi();

        var all = Complete(ps, "Get-ServerCertificateChain mail.example.com -StartTls ");
        var typed = Complete(ps, "Test-TlsHandshake mail.example.com -StartTls Po");

        Assert.Contains("Smtp", all);
        Assert.Contains("Ldap", all);
        Assert.Contains("Xmpp", all);
        Assert.Contains("Postgres", typed);
        Assert.Contains("Pop3", typed);
        Assert.DoesNotContain("Smtp", typed);
    }
}
