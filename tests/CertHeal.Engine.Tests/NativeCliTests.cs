using System.Text.Json;
using System.Text.Json.Nodes;
using CertHeal.Lab;

namespace CertHeal.Tests;

/// <summary>
/// The native certheal (NativeAOT, linux-x64; `build.ps1 -Native` publishes it to out/native) against
/// the dotnet tool on the same lab servers: the same --json, the same exit codes, a real merge with
/// its ledger and audit records, and the demo's lab. Skipped, with the reason, where it is not built.
/// </summary>
public sealed class NativeCliTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    /// <summary>
    /// CERTHEAL_CLI when build.ps1 -Native set it, else out/native/certheal when it was published
    /// after this test's certheal.dll was built (an older one would test stale code).
    /// </summary>
    private static string? Native
    {
        get
        {
            var named = Environment.GetEnvironmentVariable(CliProcess.NativeVariable);
            if (!string.IsNullOrEmpty(named))
            {
                return named;
            }
            var published = Path.Combine(Tools.RepoRoot, "out", "native", "certheal");
            var tool = Path.Combine(AppContext.BaseDirectory, "certheal.dll");
            return File.Exists(published) && File.GetLastWriteTimeUtc(published) >= File.GetLastWriteTimeUtc(tool) ? published : null;
        }
    }

    private static string RequireNative()
    {
        Skip.If(!OperatingSystem.IsLinux(), "the native certheal is published for linux-x64 only");
        Skip.If(Native is null, "the native certheal is not built: run ./build.ps1 -Native (or tools/test.sh), or set CERTHEAL_CLI");
        return Native!;
    }

    private string NewPath(string name) => Path.Combine(fixture.Lab.Folder, Guid.NewGuid().ToString("N")[..6] + "-" + name);

    [SkippableFact]
    public async Task Test_json_and_exit_code_match_the_dotnet_tool_for_a_trusted_and_an_untrusted_server()
    {
        var native = RequireNative();
        await using var trusted = fixture.Lab.Start(LabScenario.GoodChain);
        await using var untrusted = fixture.Lab.Start(LabScenario.UntrustedRoot);
        var roots = fixture.Lab.WriteTrustedRootPem("native-roots.pem");

        foreach (var (endpoint, expected) in new[] { (trusted, 0), (untrusted, 1) })
        {
            string[] args = ["test", endpoint.Target, "--no-aia", "--json"];
            var fromNative = await CliProcess.RunAsync(native, args, roots);
            var fromTool = await CliProcess.RunAsync(null, args, roots);

            Assert.True(fromNative.Code == expected, $"{endpoint.Target}: exit {fromNative.Code}: {fromNative.Stderr}");
            Assert.Equal(fromTool.Code, fromNative.Code);
            Assert.Equal(WithoutTimings(fromTool.Stdout), WithoutTimings(fromNative.Stdout));
            // Enums by name, as the dotnet tool has always printed them.
            Assert.Equal(expected == 0 ? "None" : "UntrustedRoot", JsonNode.Parse(fromNative.Stdout)![0]!["Failure"]!.GetValue<string>());
        }
    }

    [SkippableFact]
    public async Task Chain_json_matches_the_dotnet_tool()
    {
        var native = RequireNative();
        await using var endpoint = fixture.Lab.Start(LabScenario.UntrustedRoot);
        string[] args = ["chain", endpoint.Target, "--json", "--no-aia"];

        var fromNative = await CliProcess.RunAsync(native, args);
        var fromTool = await CliProcess.RunAsync(null, args);

        Assert.True(fromNative.Code == 0, fromNative.Stderr);
        Assert.Equal(fromTool.Stdout, fromNative.Stdout);
        Assert.Equal(3, JsonNode.Parse(fromNative.Stdout)!.AsArray().Count);
    }

    [SkippableFact]
    public async Task Merge_writes_once_records_the_ledger_and_audit_and_a_second_merge_changes_nothing()
    {
        var native = RequireNative();
        var incoming = NewPath("incoming.pem");
        File.WriteAllText(incoming, CertificateMint.ToPem(fixture.Lab.Untrusted.Root) + CertificateMint.ToPem(fixture.Lab.Untrusted.Intermediate));
        var store = NewPath("store.pem");
        File.WriteAllText(store, CertificateMint.ToPem(fixture.Lab.Trusted.Root));
        var ledger = NewPath("ledger.json");
        string[] args = ["merge", store, incoming, "--policy", "TrustOnFirstUse", "--force", "--ledger", ledger, "--json"];

        var first = await CliProcess.RunAsync(native, args);
        var written = File.GetLastWriteTimeUtc(store);
        var again = await CliProcess.RunAsync(native, args);

        Assert.True(first.Code == 0, first.Stdout + first.Stderr);
        Assert.True(JsonNode.Parse(first.Stdout)!["Changed"]!.GetValue<bool>(), first.Stdout);
        Assert.Equal(0, again.Code);
        Assert.False(JsonNode.Parse(again.Stdout)!["Changed"]!.GetValue<bool>(), again.Stdout);
        Assert.Equal(written, File.GetLastWriteTimeUtc(store));
        var folder = Path.Combine(Path.GetDirectoryName(ledger)!, Path.GetFileNameWithoutExtension(ledger));
        var entries = Directory.GetFiles(Path.Combine(folder, "entries"), "*.json", SearchOption.AllDirectories);
        Assert.Equal(2, entries.Length);
        Assert.All(entries, e => Assert.Equal(64, JsonNode.Parse(File.ReadAllText(e))!["Sha256Fingerprint"]!.GetValue<string>().Length));
        var audit = Assert.Single(Directory.GetFiles(Path.Combine(folder, "audit"), "*.json", SearchOption.AllDirectories));
        Assert.Equal("TrustOnFirstUse", JsonNode.Parse(File.ReadAllText(audit))!["Policy"]!.GetValue<string>());
    }

    [SkippableFact]
    public async Task Bad_usage_exits_2_with_one_sentence_and_a_closed_port_exits_1()
    {
        var native = RequireNative();

        var usage = await CliProcess.RunAsync(native, ["test", "--throttle", "zero", "127.0.0.1:1"]);
        var refused = await CliProcess.RunAsync(native, ["test", $"127.0.0.1:{LabListener.ClosedPort()}", "--json"]);

        Assert.Equal(2, usage.Code);
        Assert.Single(usage.Stderr.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", usage.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, refused.Code);
        Assert.Equal("ConnectionRefused", JsonNode.Parse(refused.Stdout)![0]!["Failure"]!.GetValue<string>());
    }

    [SkippableFact]
    public async Task Demo_runs_its_lab_in_the_native_binary()
    {
        var native = RequireNative();

        var demo = await CliProcess.RunAsync(native, ["demo"]);

        Assert.True(demo.Code == 0, demo.Stdout + demo.Stderr);
        Assert.Contains("OK: HTTP 200, then HTTP 200 with nothing left to heal", demo.Stdout);
    }

    /// <summary>The JSON with its measured durations blanked: everything else must be the same bytes.</summary>
    private static string WithoutTimings(string json)
    {
        var node = JsonNode.Parse(json)!;
        Blank(node);
        return node.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

        static void Blank(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject o:
                    foreach (var name in o.Select(p => p.Key).Where(k => k.EndsWith("Time", StringComparison.Ordinal)).ToList())
                    {
                        o[name] = "-";
                    }
                    foreach (var (_, child) in o)
                    {
                        Blank(child);
                    }
                    break;
                case JsonArray a:
                    foreach (var child in a)
                    {
                        Blank(child);
                    }
                    break;
            }
        }
    }
}
