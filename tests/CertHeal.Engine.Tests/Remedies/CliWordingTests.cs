using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.RegularExpressions;
using CertHeal.Cli;
using CertHeal.Lab;
using Xunit.Abstractions;

namespace CertHeal.Tests.Remedies;

/// <summary>
/// Every certheal verb's error and skip paths, each made by a real lab server or file, speak
/// certheal's options only: no stdout, stderr, or --json Reason/Recommendation/Message names a
/// cmdlet parameter. The engine hands out typed remedies; a host's words leaking into the other
/// host's output is what this catches.
/// </summary>
public sealed partial class CliWordingTests(LabFixture fixture, ITestOutputHelper output) : IClassFixture<LabFixture>
{
    [GeneratedRegex(@"(^|[\s(])-[A-Z][A-Za-z]+", RegexOptions.Multiline)]
    private static partial Regex CmdletParameter();

    private Lab.Lab Lab => fixture.Lab;

    private string Scratch(string name) => Path.Combine(Directory.CreateDirectory(Path.Combine(Lab.Folder, "wording")).FullName, name);

    private string Pem(string name, params X509Certificate2[] certificates)
    {
        var path = Scratch(name);
        File.WriteAllText(path, string.Concat(certificates.Select(c => c.ExportCertificatePem() + "\n")));
        return path;
    }

    private static string Sha256(X509Certificate2 certificate) =>
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(certificate.RawData));

    [Fact]
    public async Task No_error_or_skip_path_of_any_verb_names_a_cmdlet_parameter()
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
        var closed = $"127.0.0.1:{LabListener.ClosedPort()}";
        var roots = Lab.WriteTrustedRootPem(Scratch("roots.pem"));

        var garbage = Scratch("garbage.bin");
        File.WriteAllBytes(garbage, [0x13, 0x37, 0x00, 0x42, 0x99, 0x10, 0x20, 0x30]);
        var notPem = Scratch("not-a-bundle.pem");
        File.WriteAllText(notPem, "just words, no certificates\n");
        var notDer = Scratch("not-a-cert.der");
        File.WriteAllBytes(notDer, [0x30, 0x03, 0x02, 0x01, 0x05]);
        var folder = Directory.CreateDirectory(Scratch("folder-store")).FullName;
        var p12 = Scratch("locked.p12");
        File.WriteAllBytes(p12, new X509Certificate2Collection(Lab.Trusted.Root).Export(X509ContentType.Pkcs12, "s3cret")!);
        var untrustedRoot = Pem("untrusted-root.pem", Lab.Untrusted.Root);
        var untrustedIntermediate = Pem("untrusted-intermediate.pem", Lab.Untrusted.Intermediate);
        var trustedRoot = Pem("trusted-root.pem", Lab.Trusted.Root);
        var successorFile = Pem("successor.pem", successor);
        var emptyPassword = Scratch("empty-password.txt");
        File.WriteAllText(emptyPassword, "wrong");
        var ledger = Scratch("ledger-garbage.json");
        File.WriteAllText(ledger, "{ not json");

        string[] pinTrusted = ["--policy", "Pinned", "--trusted-fingerprint", Sha256(Lab.Trusted.Root)];
        // Each case builds a fresh store where it writes, so a skip in one is not an "unchanged" in the next.
        var cases = new List<(string Name, Func<string[]> Args)>
        {
            ("test untrusted root", () => ["test", untrusted.Target, "--no-aia"]),
            ("test self-signed", () => ["test", selfSigned.Target]),
            ("test incomplete chain", () => ["test", leafOnly.Target, "--keystore", roots]),
            ("test expired", () => ["test", expired.Target, "--keystore", roots]),
            ("test name mismatch", () => ["test", mismatch.Target, "--keystore", roots]),
            ("test client certificate required", () => ["test", clientCert.Target, "--keystore", roots]),
            ("test plain http", () => ["test", plain.Target, "--timeout", "3"]),
            ("test silent", () => ["test", silent.Target, "--timeout", "1"]),
            ("test closed port", () => ["test", closed]),
            ("test unresolvable name", () => ["test", "no-such-host.invalid:443", "--timeout", "3"]),
            ("test keystore missing", () => ["test", untrusted.Target, "--keystore", Scratch("missing.pem")]),
            ("test keystore unreadable", () => ["test", untrusted.Target, "--keystore", garbage]),
            ("test keystore needs password", () => ["test", untrusted.Target, "--keystore", p12]),
            ("test keystore wrong password", () => ["test", untrusted.Target, "--keystore", p12, "--password", "wrong"]),
            ("test bad proxy", () => ["test", untrusted.Target, "--proxy", "http://" + closed, "--timeout", "3"]),
            ("chain untrusted", () => ["chain", untrusted.Target]),
            ("chain closed port", () => ["chain", closed]),
            ("chain out into a missing folder", () => ["chain", untrusted.Target, "--out", Scratch("no/such/folder/out.pem")]),
            ("chain keystore needs password", () => ["chain", untrusted.Target, "--keystore", p12]),
            ("merge new root under ChainToTrusted", () => ["merge", Scratch(Guid.NewGuid() + ".pem"), untrustedRoot]),
            ("merge root under Pinned with another fingerprint", () => ["merge", Scratch(Guid.NewGuid() + ".pem"), untrustedRoot, "--policy", "Pinned", "--trusted-fingerprint", Sha256(Lab.Trusted.Root)]),
            ("merge intermediate without its root", () => ["merge", Scratch(Guid.NewGuid() + ".pem"), untrustedIntermediate]),
            ("merge TrustOnFirstUse without consent", () => ["merge", Scratch(Guid.NewGuid() + ".pem"), untrustedRoot, "--policy", "TrustOnFirstUse"]),
            ("merge TrustOnFirstUse refused by the approval command", () => ["merge", Scratch(Guid.NewGuid() + ".pem"), untrustedRoot, "--policy", "TrustOnFirstUse", "--approval-command", "false"]),
            ("merge renewal beside the entry it renews", () => ["merge", Pem(Guid.NewGuid() + ".pem", Lab.Trusted.Root, expiring), successorFile]),
            ("merge into an unknown file", () => ["merge", garbage, trustedRoot]),
            ("merge into a text file as PEM", () => ["merge", notPem, trustedRoot]),
            ("merge into a broken DER", () => ["merge", notDer, trustedRoot]),
            ("merge into a folder named as PEM", () => ["merge", folder, trustedRoot, "--format", "PemBundle"]),
            ("merge into a PKCS#12 without password", () => ["merge", p12, trustedRoot]),
            ("merge into a PKCS#12 with a wrong password file", () => ["merge", p12, trustedRoot, "--password-file", emptyPassword]),
            ("merge into a new JKS without password", () => ["merge", Scratch(Guid.NewGuid() + ".jks"), trustedRoot, "--format", "Jks", .. pinTrusted]),
            ("merge into a missing folder", () => ["merge", Scratch("none/store.pem"), trustedRoot]),
            ("merge failing endpoint validation", () => ["merge", Scratch(Guid.NewGuid() + ".pem"), trustedRoot, "--uri", $"https://{untrusted.Target}/", .. pinTrusted]),
            ("merge a certificate file that is not one", () => ["merge", Scratch(Guid.NewGuid() + ".pem"), garbage]),
            ("merge with a bad policy", () => ["merge", Scratch(Guid.NewGuid() + ".pem"), trustedRoot, "--policy", "Sometimes"]),
            ("merge ledger unreadable", () => ["merge", Scratch(Guid.NewGuid() + ".pem"), trustedRoot, "--ledger", ledger]),
            ("confirm missing keystore", () => ["confirm", Scratch("missing.jks")]),
            ("confirm unknown file", () => ["confirm", garbage]),
            ("confirm PKCS#12 without password", () => ["confirm", p12]),
            ("confirm PKCS#12 wrong password", () => ["confirm", p12, "--password", "wrong"]),
            ("confirm superseded entry", () => ["confirm", Pem(Guid.NewGuid() + ".pem", Lab.Trusted.Root, expiring, successor)]),
            ("confirm endpoint not trusted", () => ["confirm", roots, "--uri", $"https://{untrusted.Target}/"]),
            ("confirm folder named as PEM", () => ["confirm", folder, "--format", "PemBundle"]),
            ("request untrusted root", () => ["request", $"https://{untrusted.Target}/", "--keystore", Scratch(Guid.NewGuid() + ".pem"), "--timeout", "5"]),
            ("request pinned with another fingerprint", () => ["request", $"https://{selfSigned.Target}/", "--keystore", Scratch(Guid.NewGuid() + ".pem"), "--policy", "Pinned", "--trusted-fingerprint", Sha256(Lab.Trusted.Root), "--timeout", "5"]),
            ("request closed port", () => ["request", $"https://{closed}/", "--timeout", "3"]),
            ("request keystore needs password", () => ["request", $"https://{renewed.Target}/", "--keystore", p12]),
            ("request keystore unreadable", () => ["request", $"https://{renewed.Target}/", "--keystore", garbage]),
            ("find missing path", () => ["find", "--path", Scratch("nowhere")]),
            ("find a file that is no keystore", () => ["find", "--path", garbage]),
            ("find a locked PKCS#12", () => ["find", "--path", p12]),
            ("sync with an unreadable ledger", () => ["sync", roots, "--ledger", ledger]),
            ("sync a store that needs a password", () => ["sync", p12, "--ledger", Scratch("empty-ledger.json")]),
            ("sync a missing store", () => ["sync", Scratch("missing.pem"), "--ledger", Scratch("empty-ledger.json")]),
            ("unknown verb", () => ["heal", "x"]),
            ("unknown option", () => ["merge", "--bogus"]),
        };

        var checkedPaths = 0;
        var failures = new List<string>();
        var exits = new Dictionary<int, int>();
        var all = new System.Text.StringBuilder();
        foreach (var (name, makeArgs) in cases)
        {
            foreach (var json in new[] { false, true })
            {
                var args = makeArgs();
                if (json && args[0] is "heal")
                {
                    continue;
                }
                args = json ? [.. args, "--json"] : args;
                var stdout = new StringWriter();
                var stderr = new StringWriter();
                var code = await CliApp.RunAsync(args, new StringReader(""), stdout, stderr, default);
                checkedPaths++;
                exits[code] = exits.GetValueOrDefault(code) + 1;
                var texts = new List<(string Where, string Text)> { ("stdout", stdout.ToString()), ("stderr", stderr.ToString()) };
                all.Append(stdout).Append(stderr);
                if (!json)
                {
                    output.WriteLine($"{name}: exit {code}: {stderr.ToString().Trim()}");
                }
                if (json && code != CliApp.UsageError && stdout.ToString().TrimStart() is ['[' or '{', ..] document)
                {
                    texts.AddRange(Fields(JsonDocument.Parse(document).RootElement).Select(f => ("json " + f.Name, f.Value)));
                }
                foreach (var (where, text) in texts)
                {
                    if (CmdletParameter().Match(text) is { Success: true } match)
                    {
                        failures.Add($"{name}{(json ? " --json" : "")} (exit {code}), {where}: '{match.Value.Trim()}' in {Around(text, match.Index)}");
                    }
                }
            }
        }

        output.WriteLine($"{checkedPaths} CLI error and skip paths checked ({cases.Count} cases, with and without --json); exits: {string.Join(", ", exits.OrderBy(e => e.Key).Select(e => $"{e.Key}×{e.Value}"))}.");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // The typed remedies reached certheal in its own words (a path that lost its remedy would pass the regex silently).
        foreach (var remedy in new[] { "pass --password-file, --password-env or --password", "pass --format", "drop --format", "use --skip-validation",
            "--policy Pinned --trusted-fingerprint", "pin its root with --policy Pinned", "--remove-superseded replaces it", "certheal merge <keystore> --remove-superseded" })
        {
            Assert.Contains(remedy, all.ToString());
        }
        // The cases are failures on purpose: a run where most succeed means a fixture no longer makes its failure.
        Assert.True(exits.GetValueOrDefault(0) < checkedPaths / 3, $"{exits.GetValueOrDefault(0)} of {checkedPaths} paths exited 0");
    }

    /// <summary>Every Reason, Recommendation and Message anywhere in the --json output.</summary>
    private static IEnumerable<(string Name, string Value)> Fields(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name is "Reason" or "Recommendation" or "Message" && property.Value.ValueKind == JsonValueKind.String)
                    {
                        yield return (property.Name, property.Value.GetString()!);
                    }
                    foreach (var inner in Fields(property.Value))
                    {
                        yield return inner;
                    }
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    foreach (var inner in Fields(item))
                    {
                        yield return inner;
                    }
                }
                break;
        }
    }

    private static string Around(string text, int index) => text.Substring(Math.Max(0, index - 100), Math.Min(text.Length - Math.Max(0, index - 100), 200));
}
