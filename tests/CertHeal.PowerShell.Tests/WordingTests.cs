using System.Collections;
using System.Management.Automation;
using System.Reflection;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using CertHeal.Lab;
using CertHeal.PowerShell.Tests.Harness;
using Xunit.Abstractions;

namespace CertHeal.PowerShell.Tests;

/// <summary>
/// Every cmdlet's error and skip paths, each made by a real lab server or file, speak PowerShell:
/// no ErrorRecord text (message, ErrorDetails, recommended action), warning, verbose line, or
/// Reason/Recommendation/Message of an output object names a certheal option. The engine hands out
/// typed remedies; this catches the CLI's words reaching a cmdlet.
/// </summary>
[Collection(nameof(SystemRootCollection))]
public sealed partial class WordingTests(PsLab lab, ITestOutputHelper output) : IClassFixture<PsLab>
{
    [GeneratedRegex("--[a-z]")]
    private static partial Regex CliOption();

    private CertHeal.Lab.Lab Lab => lab.Lab;

    private string Pem(string folder, string name, params X509Certificate2[] certificates)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, string.Concat(certificates.Select(c => c.ExportCertificatePem() + "\n")));
        return path;
    }

    private static string Planted(string folder, string name, string text)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task No_error_or_skip_path_of_any_cmdlet_names_a_certheal_option()
    {
        await using var untrusted = Lab.Start(LabScenario.UntrustedRoot);
        await using var selfSigned = Lab.Start(LabScenario.SelfSigned);
        await using var leafOnly = Lab.Start(LabScenario.LeafOnly);
        await using var expired = Lab.Start(LabScenario.Expired);
        await using var mismatch = Lab.Start(LabScenario.NameMismatch);
        await using var clientCert = Lab.Start(LabScenario.ClientCertificateRequired);
        await using var plain = Lab.Start(LabScenario.PlainHttp);
        await using var silent = Lab.Start(LabScenario.Silent);
        await using var renewed = Lab.StartWithRenewedIntermediate(10, out var expiring, out var successor);
        await using var api = Lab.StartHttpsApi();
        var closed = $"127.0.0.1:{LabListener.ClosedPort()}";
        var folder = lab.NewFolder();
        var roots = lab.TrustedRootPem;
        var garbage = Path.Combine(folder, "garbage.bin");
        File.WriteAllBytes(garbage, [0x13, 0x37, 0x00, 0x42, 0x99, 0x10, 0x20, 0x30]);
        var notDer = Path.Combine(folder, "not-a-cert.der");
        File.WriteAllBytes(notDer, [0x30, 0x03, 0x02, 0x01, 0x05]);
        var store = Directory.CreateDirectory(Path.Combine(folder, "folder-store")).FullName;
        var p12 = Path.Combine(folder, "locked.p12");
        File.WriteAllBytes(p12, new X509Certificate2Collection(Lab.Trusted.Root).Export(X509ContentType.Pkcs12, "s3cret")!);
        var ledger = Path.Combine(folder, "ledger-garbage.json");
        File.WriteAllText(ledger, "{ not json");
        string Fresh(string extension = ".pem") => Path.Combine(folder, Guid.NewGuid() + extension);
        var wrong = Secrets.Of("wrong");
        var trustedPin = PsLab.Sha256(Lab.Trusted.Root);

        var cases = new List<(string Name, string Script, Dictionary<string, object?> Args)>
        {
            ("Test-TlsHandshake untrusted root", "param($T) Test-TlsHandshake $T -NoAia", new() { ["T"] = untrusted.Target }),
            ("Test-TlsHandshake self-signed", "param($T) Test-TlsHandshake $T", new() { ["T"] = selfSigned.Target }),
            ("Test-TlsHandshake incomplete chain", "param($T, $K) Test-TlsHandshake $T -Keystore $K -NoAia", new() { ["T"] = leafOnly.Target, ["K"] = roots }),
            ("Test-TlsHandshake expired", "param($T, $K) Test-TlsHandshake $T -Keystore $K", new() { ["T"] = expired.Target, ["K"] = roots }),
            ("Test-TlsHandshake name mismatch", "param($T, $K) Test-TlsHandshake $T -Keystore $K", new() { ["T"] = mismatch.Target, ["K"] = roots }),
            ("Test-TlsHandshake client certificate", "param($T, $K) Test-TlsHandshake $T -Keystore $K", new() { ["T"] = clientCert.Target, ["K"] = roots }),
            ("Test-TlsHandshake plain http", "param($T) Test-TlsHandshake $T -TimeoutSec 3", new() { ["T"] = plain.Target }),
            ("Test-TlsHandshake silent", "param($T) Test-TlsHandshake $T -TimeoutSec 1", new() { ["T"] = silent.Target }),
            ("Test-TlsHandshake closed port", "param($T) Test-TlsHandshake $T", new() { ["T"] = closed }),
            ("Test-TlsHandshake unresolvable", "Test-TlsHandshake 'no-such-host.invalid:443' -TimeoutSec 3", new()),
            ("Test-TlsHandshake bad target", "Test-TlsHandshake 'bad host:99999'", new()),
            ("Test-TlsHandshake bad proxy", "param($T) Test-TlsHandshake $T -Proxy 'not a proxy' -TimeoutSec 3", new() { ["T"] = untrusted.Target }),
            ("Test-TlsHandshake proxy of another scheme", "param($T) Test-TlsHandshake $T -Proxy 'ftp://127.0.0.1:21' -TimeoutSec 3", new() { ["T"] = untrusted.Target }),
            ("Test-TlsHandshake proxy refused", "param($T, $P) Test-TlsHandshake $T -Proxy $P -TimeoutSec 3", new() { ["T"] = untrusted.Target, ["P"] = "http://" + closed }),
            ("Test-TlsHandshake keystore missing", "param($T, $K) Test-TlsHandshake $T -Keystore $K", new() { ["T"] = untrusted.Target, ["K"] = Fresh() }),
            ("Test-TlsHandshake keystore unknown", "param($T, $K) Test-TlsHandshake $T -Keystore $K", new() { ["T"] = untrusted.Target, ["K"] = garbage }),
            ("Test-TlsHandshake keystore needs password", "param($T, $K) Test-TlsHandshake $T -Keystore $K", new() { ["T"] = untrusted.Target, ["K"] = p12 }),
            ("Test-TlsHandshake keystore wrong password", "param($T, $K, $W) Test-TlsHandshake $T -Keystore $K -KeystorePassword $W", new() { ["T"] = untrusted.Target, ["K"] = p12, ["W"] = wrong }),
            ("Get-ServerCertificateChain untrusted", "param($T) Get-ServerCertificateChain $T", new() { ["T"] = untrusted.Target }),
            ("Get-ServerCertificateChain closed port", "param($T) Get-ServerCertificateChain $T", new() { ["T"] = closed }),
            ("Get-ServerCertificateChain plain http", "param($T) Get-ServerCertificateChain $T -TimeoutSec 3", new() { ["T"] = plain.Target }),
            ("Get-ServerCertificateChain out into a missing folder", "param($T, $O) Get-ServerCertificateChain $T -OutFile $O", new() { ["T"] = untrusted.Target, ["O"] = Path.Combine(folder, "no", "such", "out.pem") }),
            ("Get-ServerCertificateChain keystore needs password", "param($T, $K) Get-ServerCertificateChain $T -Keystore $K", new() { ["T"] = untrusted.Target, ["K"] = p12 }),
            ("Merge-Keystore new root under ChainToTrusted", "param($P, $C) Merge-Keystore -Path $P -Certificate $C", new() { ["P"] = Fresh(), ["C"] = Lab.Untrusted.Root }),
            ("Merge-Keystore Pinned with another fingerprint", "param($P, $C, $F) Merge-Keystore -Path $P -Certificate $C -TrustPolicy Pinned -TrustedFingerprint $F", new() { ["P"] = Fresh(), ["C"] = Lab.Untrusted.Root, ["F"] = trustedPin }),
            ("Merge-Keystore Pinned with a malformed fingerprint", "param($P, $C) Merge-Keystore -Path $P -Certificate $C -TrustPolicy Pinned -TrustedFingerprint 'xyz'", new() { ["P"] = Fresh(), ["C"] = Lab.Untrusted.Root }),
            ("Merge-Keystore intermediate without its root", "param($P, $C) Merge-Keystore -Path $P -Certificate $C", new() { ["P"] = Fresh(), ["C"] = Lab.Untrusted.Intermediate }),
            ("Merge-Keystore TrustOnFirstUse without a prompt", "param($P, $C) Merge-Keystore -Path $P -Certificate $C -TrustPolicy TrustOnFirstUse", new() { ["P"] = Fresh(), ["C"] = Lab.Untrusted.Root }),
            ("Merge-Keystore renewal beside the entry it renews", "param($P, $C) Merge-Keystore -Path $P -Certificate $C", new() { ["P"] = Pem(folder, Guid.NewGuid() + ".pem", Lab.Trusted.Root, expiring), ["C"] = successor }),
            ("Merge-Keystore into an unknown file", "param($P, $C) Merge-Keystore -Path $P -Certificate $C", new() { ["P"] = garbage, ["C"] = Lab.Trusted.Root }),
            ("Merge-Keystore into a broken DER", "param($P, $C) Merge-Keystore -Path $P -Certificate $C", new() { ["P"] = notDer, ["C"] = Lab.Trusted.Root }),
            ("Merge-Keystore into a folder named as PEM", "param($P, $C) Merge-Keystore -Path $P -Certificate $C -Format PemBundle", new() { ["P"] = store, ["C"] = Lab.Trusted.Root }),
            ("Merge-Keystore into a PKCS#12 without password", "param($P, $C) Merge-Keystore -Path $P -Certificate $C", new() { ["P"] = p12, ["C"] = Lab.Trusted.Root }),
            ("Merge-Keystore into a PKCS#12 with a wrong password", "param($P, $C, $W) Merge-Keystore -Path $P -Certificate $C -Password $W", new() { ["P"] = p12, ["C"] = Lab.Trusted.Root, ["W"] = wrong }),
            ("Merge-Keystore into a new JKS without password", "param($P, $C, $F) Merge-Keystore -Path $P -Certificate $C -Format Jks -TrustPolicy Pinned -TrustedFingerprint $F", new() { ["P"] = Fresh(".jks"), ["C"] = Lab.Trusted.Root, ["F"] = trustedPin }),
            ("Merge-Keystore into a missing folder", "param($P, $C) Merge-Keystore -Path $P -Certificate $C", new() { ["P"] = Path.Combine(folder, "none", "store.pem"), ["C"] = Lab.Trusted.Root }),
            ("Merge-Keystore failing endpoint validation", "param($P, $C, $F, $U) Merge-Keystore -Path $P -Certificate $C -TrustPolicy Pinned -TrustedFingerprint $F -Target $U", new() { ["P"] = Fresh(), ["C"] = Lab.Trusted.Root, ["F"] = trustedPin, ["U"] = untrusted.Target }),
            ("Merge-Keystore a certificate that is not one", "param($P, $C) Merge-Keystore -Path $P -Certificate $C", new() { ["P"] = Fresh(), ["C"] = garbage }),
            ("Merge-Keystore an unreadable ledger", "param($P, $C, $F, $L) Merge-Keystore -Path $P -Certificate $C -TrustPolicy Pinned -TrustedFingerprint $F -LedgerPath $L", new() { ["P"] = Fresh(), ["C"] = Lab.Trusted.Root, ["F"] = trustedPin, ["L"] = ledger }),
            ("Confirm-Keystore missing", "param($P) Confirm-Keystore -Path $P", new() { ["P"] = Fresh(".jks") }),
            ("Confirm-Keystore unknown file", "param($P) Confirm-Keystore -Path $P", new() { ["P"] = garbage }),
            ("Confirm-Keystore PKCS#12 without password", "param($P) Confirm-Keystore -Path $P", new() { ["P"] = p12 }),
            ("Confirm-Keystore PKCS#12 wrong password", "param($P, $W) Confirm-Keystore -Path $P -Password $W", new() { ["P"] = p12, ["W"] = wrong }),
            ("Confirm-Keystore superseded entry", "param($P) Confirm-Keystore -Path $P", new() { ["P"] = Pem(folder, Guid.NewGuid() + ".pem", Lab.Trusted.Root, expiring, successor) }),
            ("Confirm-Keystore endpoint not trusted", "param($P, $U) Confirm-Keystore -Path $P -Uri $U", new() { ["P"] = roots, ["U"] = $"https://{untrusted.Target}/" }),
            ("Confirm-Keystore bad endpoint", "param($P) Confirm-Keystore -Path $P -Uri 'https://bad host:99999/'", new() { ["P"] = roots }),
            ("Confirm-Keystore folder named as PEM", "param($P) Confirm-Keystore -Path $P -Format PemBundle", new() { ["P"] = store }),
            ("Invoke-HealedRequest untrusted root", "param($U, $K) Invoke-HealedRequest $U -Keystore $K -TimeoutSec 5", new() { ["U"] = $"https://{untrusted.Target}/", ["K"] = Fresh() }),
            ("Invoke-HealedRequest Pinned with another fingerprint", "param($U, $K, $F) Invoke-HealedRequest $U -Keystore $K -TrustPolicy Pinned -TrustedFingerprint $F -TimeoutSec 5", new() { ["U"] = $"https://{selfSigned.Target}/", ["K"] = Fresh(), ["F"] = trustedPin }),
            ("Invoke-HealedRequest TrustOnFirstUse without -Force", "param($U, $K) Invoke-HealedRequest $U -Keystore $K -TrustPolicy TrustOnFirstUse -TimeoutSec 5", new() { ["U"] = $"https://{selfSigned.Target}/", ["K"] = Fresh() }),
            ("Invoke-HealedRequest closed port", "param($U) Invoke-HealedRequest $U -TimeoutSec 3", new() { ["U"] = $"https://{closed}/" }),
            ("Invoke-HealedRequest keystore needs password", "param($U, $K) Invoke-HealedRequest $U -Keystore $K", new() { ["U"] = $"https://{renewed.Target}/", ["K"] = p12 }),
            ("Invoke-HealedRequest keystore unknown", "param($U, $K) Invoke-HealedRequest $U -Keystore $K", new() { ["U"] = $"https://{renewed.Target}/", ["K"] = garbage }),
            ("Invoke-HealedRequest 404", "param($U, $K) Invoke-HealedRequest $U -Keystore $K", new() { ["U"] = api.Url("/missing"), ["K"] = roots }),
            ("Invoke-HealedRequest token and credential", "param($U, $K, $W) Invoke-HealedRequest $U -Keystore $K -Authentication Bearer -Token $W -Credential ([pscredential]::new('u', $W))", new() { ["U"] = api.Url("/missing"), ["K"] = roots, ["W"] = wrong }),
            ("Invoke-HealedRequest basic without credential", "param($U, $K) Invoke-HealedRequest $U -Keystore $K -Authentication Basic", new() { ["U"] = api.Url("/missing"), ["K"] = roots }),
            ("Invoke-HealedRequest bearer without token", "param($U, $K) Invoke-HealedRequest $U -Keystore $K -Authentication Bearer", new() { ["U"] = api.Url("/missing"), ["K"] = roots }),
            ("Invoke-HealedRequest token without authentication", "param($U, $K, $W) Invoke-HealedRequest $U -Keystore $K -Token $W", new() { ["U"] = api.Url("/missing"), ["K"] = roots, ["W"] = wrong }),
            ("Invoke-HealedRequest out into a missing folder", "param($U, $K, $O) Invoke-HealedRequest $U -Keystore $K -OutFile $O -SkipHttpErrorCheck", new() { ["U"] = api.Url("/missing"), ["K"] = roots, ["O"] = Path.Combine(folder, "no", "such", "body.txt") }),
            ("Find-Keystore missing path", "param($P) Find-Keystore -Path $P -Verbose", new() { ["P"] = Path.Combine(folder, "nowhere") }),
            ("Find-Keystore a file that is no keystore", "param($P) Find-Keystore -Path $P -Verbose", new() { ["P"] = garbage }),
            ("Find-Keystore a locked PKCS#12", "param($P) Find-Keystore -Path $P -Verbose", new() { ["P"] = p12 }),
            ("Find-TlsBypass missing path", "param($P) Find-TlsBypass -Path $P -Verbose", new() { ["P"] = Path.Combine(folder, "nowhere") }),
            ("Find-TlsBypass a process that is not running", "Find-TlsBypass -ProcessId 2147483000 -Verbose", new()),
            ("Find-TlsBypass a planted switch", "param($P) Find-TlsBypass -Path $P -Verbose", new() { ["P"] = Planted(folder, "deploy.sh", "export NODE_TLS_REJECT_UNAUTHORIZED=0\ncurl https://billing.example.com/health\n") }),
            ("Sync-Keystore unreadable ledger", "param($P, $L) Sync-Keystore -Path $P -LedgerPath $L", new() { ["P"] = roots, ["L"] = ledger }),
            ("Sync-Keystore store needs password", "param($P, $L) Sync-Keystore -Path $P -LedgerPath $L", new() { ["P"] = p12, ["L"] = Path.Combine(folder, "empty-ledger.json") }),
            ("Sync-Keystore missing store", "param($P, $L) Sync-Keystore -Path $P -LedgerPath $L", new() { ["P"] = Fresh(), ["L"] = Path.Combine(folder, "empty-ledger.json") }),
            ("Remove-KeystoreEntry a fingerprint that matches nothing", "param($P, $L) Remove-KeystoreEntry -Fingerprint ('C' * 64) -Keystore $P -LedgerPath $L -Verbose",
                new() { ["P"] = Pem(folder, "forget-nothing.pem", Lab.Trusted.Root), ["L"] = Path.Combine(folder, "forget-ledger.json") }),
            ("Merge-Keystore a forgotten root under TrustOnFirstUse",
                "param($P, $L, $R, $F) Remove-KeystoreEntry -Fingerprint $F -Keystore $P -LedgerPath $L -Verbose | Out-Null; Merge-Keystore -Path $P -Certificate $R -TrustPolicy TrustOnFirstUse -LedgerPath $L -Force -Verbose",
                new() { ["P"] = Pem(folder, "forget-root.pem", Lab.Untrusted.Root), ["L"] = Path.Combine(folder, "forget-ledger2.json"), ["R"] = Lab.Untrusted.Root, ["F"] = PsLab.Sha256(Lab.Untrusted.Root) }),
            ("Register-KeystoreHook missing certheal", "param($C) Register-KeystoreHook -CliPath $C -WhatIf", new() { ["C"] = Fresh("") }),
            // A system root of its own (never the machine's /etc) that has no APT folder.
            ("Register-KeystoreHook no APT", "param($R, $C) $env:CERTHEAL_SYSTEM_ROOT = $R; try { Register-KeystoreHook DpkgPostInvoke -CliPath $C } finally { Remove-Item env:CERTHEAL_SYSTEM_ROOT }",
                new() { ["R"] = Directory.CreateDirectory(Path.Combine(folder, "no-apt-root")).FullName, ["C"] = garbage }),
        };

        var failures = new List<string>();
        var errorIds = new SortedSet<string>(StringComparer.Ordinal);
        var all = new System.Text.StringBuilder();
        var texts = 0;
        using var ps = PsSession.NoUi();
        foreach (var (name, script, args) in cases)
        {
            var result = ps.Run(script, args);
            var found = Texts(result).ToList();
            texts += found.Count;
            foreach (var record in result.AllErrors)
            {
                errorIds.Add(PsResult.ErrorId(record));
            }
            output.WriteLine($"{name}: {string.Join(", ", result.ErrorIds)} {found.Select(f => f.Text).FirstOrDefault(t => t.Length > 0)}");
            foreach (var (where, text) in found)
            {
                all.AppendLine(text);
                if (CliOption().Match(text) is { Success: true } match)
                {
                    failures.Add($"{name}, {where}: '{match.Value}' in {text}");
                }
            }
        }

        // The test project does not reference the module's assembly: ask the imported module for its ErrorIds.
        var moduleIds = ps.Run("[CertHeal.ErrorIds].GetFields('Public,Static') | Where-Object IsLiteral | ForEach-Object { $_.GetRawConstantValue() }", new())
            .Output.Select(o => o.BaseObject.ToString()!).ToList();
        Assert.NotEmpty(moduleIds);
        var missed = moduleIds.Where(id => !errorIds.Contains(id)).ToList();
        output.WriteLine($"{cases.Count} cmdlet error and skip paths checked, {texts} texts; ErrorIds seen {errorIds.Count}: {string.Join(", ", errorIds)}; module ErrorIds not provoked: {string.Join(", ", missed)}.");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        foreach (var remedy in new[] { "pass -Password or -Credential", "pass -KeystorePassword or -KeystoreCredential", "pass -Format", "drop -Format",
            "use -SkipValidation", "-TrustPolicy Pinned -TrustedFingerprint", "pin its root with -TrustPolicy Pinned", "-RemoveSuperseded replaces it", "Merge-Keystore -RemoveSuperseded drops" })
        {
            Assert.Contains(remedy, all.ToString());
        }
        // Locked and read-only stores need a second writer or a non-root user; every other ErrorId of the module is made here.
        Assert.Empty(missed.Except(["CertHeal.KeystoreLocked", "CertHeal.KeystoreReadOnly", "CertHeal.InvalidCertificate", "WebCmdletAllowUnencryptedAuthenticationRequiredException"]));
    }

    /// <summary>Every text a person reads: the ErrorRecords' wording, warnings, verbose lines, and the Reasons, Recommendations and Messages of the output objects.</summary>
    private static IEnumerable<(string Where, string Text)> Texts(PsResult result)
    {
        foreach (var record in result.AllErrors)
        {
            yield return ("error", record.ToString());
            yield return ("exception", record.Exception?.Message ?? "");
            yield return ("error details", record.ErrorDetails?.Message ?? "");
            yield return ("recommended action", record.ErrorDetails?.RecommendedAction ?? "");
        }
        foreach (var warning in result.Warnings)
        {
            yield return ("warning", warning.Message);
        }
        foreach (var verbose in result.Verbose)
        {
            yield return ("verbose", verbose.Message);
        }
        foreach (var item in result.Output)
        {
            foreach (var field in Fields(item.BaseObject, 0))
            {
                yield return field;
            }
        }
    }

    private static IEnumerable<(string Where, string Text)> Fields(object? value, int depth)
    {
        if (value is null || depth > 4 || value.GetType().Namespace?.StartsWith("CertHeal", StringComparison.Ordinal) != true)
        {
            yield break;
        }
        foreach (var property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0)
            {
                continue;
            }
            var inner = property.GetValue(value);
            if (inner is string text)
            {
                if (property.Name is "Reason" or "Recommendation" or "Message")
                {
                    yield return (value.GetType().Name + "." + property.Name, text);
                }
            }
            else if (inner is IEnumerable items)
            {
                foreach (var item in items)
                {
                    foreach (var field in Fields(item, depth + 1))
                    {
                        yield return field;
                    }
                }
            }
            else
            {
                foreach (var field in Fields(inner, depth + 1))
                {
                    yield return field;
                }
            }
        }
    }
}
