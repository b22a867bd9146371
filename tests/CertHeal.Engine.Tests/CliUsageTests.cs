using CertHeal.Lab;

namespace CertHeal.Tests;

/// <summary>The CLI as a person meets it: help, version, and tables that fit an 80-column console.</summary>
public sealed class CliUsageTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    private static readonly string[] Verbs = ["test", "chain", "merge", "confirm", "request", "demo"];

    [Fact]
    public async Task Help_for_the_tool_and_for_every_verb_exits_0()
    {
        var (code, stdout, _) = await CliProcess.RunAsync(["--help"]);
        Assert.Equal(0, code);
        foreach (var verb in Verbs)
        {
            Assert.Contains($"certheal {verb}", stdout);
            var (verbCode, verbOut, verbErr) = await CliProcess.RunAsync([verb, "--help"]);
            Assert.True(verbCode == 0, verb + ": " + verbErr);
            Assert.Contains($"certheal {verb}", verbOut);
            Assert.Contains("Exit codes", verbOut);
            Assert.DoesNotContain(Verbs.Where(v => v != verb), other => verbOut.Contains($"certheal {other} ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Version_is_the_module_manifest_version()
    {
        var manifest = System.Text.RegularExpressions.Regex.Match(File.ReadAllText(Path.Combine(Tools.RepoRoot, "CertHeal.psd1")),
            @"ModuleVersion\s*=\s*'([0-9.]+)'").Groups[1].Value;

        var (code, stdout, _) = await CliProcess.RunAsync(["--version"]);

        Assert.Equal(0, code);
        Assert.Equal(manifest, stdout.Trim());
    }

    [Fact]
    public async Task Tables_fit_80_columns_and_keep_the_whole_reason_in_plain_text()
    {
        await using var endpoint = fixture.Lab.Start(LabScenario.UntrustedRoot);
        var closed = $"127.0.0.1:{LabListener.ClosedPort()}";

        var (code, stdout, _) = await CliProcess.RunAsync(["test", endpoint.Target, closed, "--no-aia"]);

        Assert.Equal(1, code);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, line => Assert.True(line.Length <= 80, $"{line.Length} columns: {line}"));
        Assert.DoesNotContain('\u001b', stdout);
        // The reason moved below its row, wrapped, but whole: the fingerprint to pin is all there.
        var joined = string.Join(" ", lines.Select(l => l.Trim()));
        Assert.Contains("refused the connection", joined);
        Assert.Contains("is not trusted", joined);
    }
}
