using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Cli;
using CertHeal.Lab;
using Xunit.Abstractions;

namespace CertHeal.Tests.NoWeakening;

/// <summary>
/// After any merge no client accepts a chain it rejected before, other than the healed
/// endpoint's valid chain (issue #21). Every scenario's server runs on loopback (openssl
/// s_server); every store kind starts with the lab root; four real clients judge the server
/// before and after a default merge (`certheal chain --out` + `certheal merge`), a pinned merge
/// and `certheal request`. A store a heal cannot help stays byte-identical with no backup; a
/// store that changed is judged again, with a second server whose different leaf chains through
/// what was written, so a weakening shows there too.
/// </summary>
public sealed class NoWeakeningTests(ITestOutputHelper output)
{
    public static TheoryData<string> Scenarios() => [.. NoWeakeningScenario.All.Select(s => s.Name)];

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task No_client_accepts_after_a_merge_what_it_rejected_before(string name)
    {
        Handshake.RealClients.Require("openssl", "curl", "java");
        var scenario = NoWeakeningScenario.All.Single(s => s.Name == name);
        var clock = Stopwatch.StartNew();
        var work = Directory.CreateTempSubdirectory($"noweaken-{name}-").FullName;
        try
        {
            using var root = LabChainMint.Root($"NoWeakening Root {name}");
            var rootPem = Path.Combine(work, "root.pem");
            await File.WriteAllTextAsync(rootPem, root.ExportCertificatePem() + "\n");
            var rootFingerprint = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(root.RawData));
            await using var aia = new LabHttpServer();
            var served = scenario.Build(root, bytes =>
            {
                var path = $"/{Guid.NewGuid():N}.der";
                aia.Map(path, new LabHttpServer.Route(bytes));
                return aia.Url(path);
            });
            // In-process merges see the test list; `certheal request` (a process) does not need it:
            // the server's chain is complete, so it has nothing to heal there.
            using var distrust = scenario.Distrust is { } list ? CertHeal.Trust.Distrust.DistrustList.Override(list(root)) : null;
            await using var server = await OpenSslServer.StartAsync(work, served.Leaf, served.Sent, "-cipher DEFAULT:@SECLEVEL=0");
            // A different leaf through the same CAs, sent with the whole chain: what a written CA would let in elsewhere.
            using var siblingLeaf = LabChainMint.Issue(new LabChainMint.Spec { Subject = $"CN=NoWeakening sibling {name}" }, served.IssuingCa);
            await using var sibling = await OpenSslServer.StartAsync(work, siblingLeaf, [.. served.CasBelowRoot.Select(LabChainMint.Public)], "-cipher DEFAULT:@SECLEVEL=0");
            var target = $"127.0.0.1:{server.Port.ToString(CultureInfo.InvariantCulture)}";

            // One exported bundle for every store: it names the endpoint it came from.
            var bundle = Path.Combine(work, "chain.pem");
            var (chainCode, _, chainErr) = await Cli(["chain", target, "--out", bundle]);
            Assert.True(File.Exists(bundle), $"certheal chain wrote no bundle (exit {chainCode}): {chainErr}");
            Assert.Contains($"# certheal-endpoint: {target}", await File.ReadAllTextAsync(bundle), StringComparison.Ordinal);

            foreach (var kind in TrustStoreKind.All)
            {
                var pristine = Path.Combine(work, kind.Name, "pristine", kind.FileName);
                Directory.CreateDirectory(Path.GetDirectoryName(pristine)!);
                var (made, _, madeErr) = await Cli(["merge", pristine, rootPem, "--policy", "Pinned", "--trusted-fingerprint", rootFingerprint, .. kind.Options, "--ledger", Path.Combine(work, "ledger.json")]);
                Assert.True(made == 0, $"{kind}: the lab root did not go into a new store: {madeErr}");
                var before = await StoreClients.RunAsync(kind, pristine, server.Port, Path.Combine(work, "clients"));
                Dictionary<string, (bool Ok, string Detail)>? siblingBefore = null;
                var judged = new Dictionary<string, (Dictionary<string, (bool Ok, string Detail)>, Dictionary<string, (bool Ok, string Detail)>)>(StringComparer.Ordinal);
                if (scenario.HealCanHelp)
                {
                    Assert.All(StoreClients.Names, c => Assert.False(before[c].Ok, $"{kind}/{c} accepted the incomplete chain before any merge: {before[c].Detail}"));
                }

                foreach (var mode in new[] { "default", "pinned", "request" })
                {
                    var store = Path.Combine(work, kind.Name, mode, kind.FileName);
                    Directory.CreateDirectory(Path.GetDirectoryName(store)!);
                    TrustStoreKind.Copy(pristine, store);
                    var digest = TrustStoreKind.Digest(store);
                    var (code, stdout, stderr) = mode switch
                    {
                        "request" => await CliProcessWithHome(work, ["request", $"https://{target}/", "--keystore", store, .. kind.Options]),
                        _ => await Cli(["merge", store, bundle, .. kind.Options, "--ledger", Path.Combine(work, "ledger.json"),
                            .. mode == "pinned" ? new[] { "--policy", "Pinned", "--trusted-fingerprint", rootFingerprint } : []]),
                    };
                    var label = $"{name}/{kind}/{mode} (exit {code}; {stderr.Trim()} {stdout.Trim()})";
                    output.WriteLine(label);
                    var changed = TrustStoreKind.Digest(store) != digest;
                    if (!scenario.HealCanHelp)
                    {
                        Assert.False(changed, $"the store changed although the heal cannot help: {label}");
                        Assert.False(File.Exists(store + ".bak"), $"a backup appeared although nothing may be written: {label}");
                        if (mode != "request")
                        {
                            Assert.True(code == 1, $"a refused merge must exit 1: {label}");
                        }
                        if (mode == "default" && name is "expired-leaf" or "wrong-host")
                        {
                            // The endpoint named in the bundle refused the candidate store: one line says why.
                            var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                            Assert.True(lines.Length == 1 && lines[0].StartsWith("certheal: ", StringComparison.Ordinal) && lines[0].Contains(target, StringComparison.Ordinal),
                                $"expected one line naming the endpoint: {label}");
                        }
                        continue;
                    }
                    Assert.True(changed, $"the incomplete chain was not healed: {label}");
                    // Clients see only the store's certificates: modes that wrote the same set are judged once.
                    var set = CertificateSet(kind, store);
                    if (!judged.TryGetValue(set, out var verdicts))
                    {
                        judged[set] = verdicts = (await StoreClients.RunAsync(kind, store, server.Port, Path.Combine(work, "clients")),
                            await StoreClients.RunAsync(kind, store, sibling.Port, Path.Combine(work, "clients")));
                    }
                    var (after, siblingAfter) = verdicts;
                    Assert.All(StoreClients.Names, c => Assert.True(after[c].Ok, $"{label}: {c} still rejects the healed chain: {after[c].Detail}"));
                    siblingBefore ??= await StoreClients.RunAsync(kind, pristine, sibling.Port, Path.Combine(work, "clients"));
                    foreach (var client in StoreClients.Names)
                    {
                        Assert.False(!siblingBefore[client].Ok && siblingAfter[client].Ok,
                            $"{label}: {client} accepts the sibling server after the merge and rejected it before ({siblingAfter[client].Detail})");
                    }
                }
            }
            output.WriteLine($"{name}: {clock.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static string CertificateSet(TrustStoreKind kind, string store)
    {
        using var password = kind.Password is null ? null : CertHeal.Keystores.KeystorePassword.FromString(kind.Password);
        return string.Join(",", CertHeal.Keystores.KeystoreFile.Certificates(CertHeal.Keystores.KeystoreFile.Open(store, kind.Format, password)).Select(c => c.Thumbprint).Order(StringComparer.Ordinal));
    }

    private static async Task<(int Code, string Stdout, string Stderr)> Cli(string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var code = await CliApp.RunAsync(args, stdout, stderr, default);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>`certheal request` in a process of its own, with a home and ledger of the test's own.</summary>
    private static Task<(int Code, string Stdout, string Stderr)> CliProcessWithHome(string work, string[] args) =>
        Tools.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "certheal.dll"), .. args], timeoutSeconds: 120,
            environment: new Dictionary<string, string> { ["HOME"] = work, ["CERTHEAL_LEDGER"] = Path.Combine(work, "request-ledger.json") });
}
