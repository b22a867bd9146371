using System.Text.RegularExpressions;
using CertHeal.Keystores;
using CertHeal.Lab;

namespace CertHeal.Tests;

/// <summary>
/// README.md's walkthrough cannot drift: every `$ ...` line of its "Walkthrough" section
/// runs here, in order, as a real process against a lab server standing in for
/// app.example.com:8443 (a leaf-only server whose intermediate AIA serves), in one folder, with
/// the lab root as this machine's roots. Each must exit as the README says ("# exits N", else 0),
/// print the table header the README shows, and start its rows as the README's rows start.
/// </summary>
public sealed partial class ReadmeWalkthroughTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    private const string ExampleTarget = "app.example.com:8443";
    private const string ExampleFolder = "/srv/app";

    [Fact]
    public async Task Every_walkthrough_command_in_the_README_runs_as_shown()
    {
        var steps = Steps(File.ReadAllText(Path.Combine(Tools.RepoRoot, "README.md")));
        Assert.True(steps.Count(s => s.Command.StartsWith("certheal ", StringComparison.Ordinal)) >= 7,
            $"The README's walkthrough has {steps.Count} commands; expected the whole tour.");

        await using var endpoint = fixture.Lab.StartLeafOnlyWithAia(out _);
        var work = Directory.CreateTempSubdirectory("certheal-walkthrough-").FullName;
        var bin = Directory.CreateDirectory(Path.Combine(work, ".bin")).FullName;
        var emptyCertDir = Directory.CreateDirectory(Path.Combine(work, ".no-certs")).FullName;
        var shim = Path.Combine(bin, "certheal");
        File.WriteAllText(shim, $"#!/bin/sh\nexec dotnet '{Path.Combine(AppContext.BaseDirectory, "certheal.dll")}' \"$@\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(shim, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        // "A copy of the truststore your Java app uses": a JKS holding the (lab) root, password in $STOREPASS.
        using (var password = KeystorePassword.FromString("changeit"))
        {
            KeystoreFile.Update(Path.Combine(work, "truststore.jks"), KeystoreFormat.Jks, password, keystore =>
            {
                keystore.Entries.Add(new KeystoreEntry { Alias = "lab-root", EntryType = KeystoreEntryType.TrustedCertificate, Certificate = fixture.Lab.Trusted.Root, CreationDate = DateTime.UtcNow });
                return true;
            });
        }
        var roots = fixture.Lab.WriteTrustedRootPem("walkthrough-roots.pem");
        try
        {
            foreach (var step in steps)
            {
                var command = step.Command.Replace(ExampleTarget, endpoint.Target, StringComparison.Ordinal);
                var (code, stdout, stderr) = await Tools.RunAsync("bash", ["-c", command], timeoutSeconds: 120, workingDirectory: work, environment: new Dictionary<string, string>
                {
                    ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH"),
                    ["STOREPASS"] = "changeit",
                    ["SSL_CERT_FILE"] = roots,
                    ["SSL_CERT_DIR"] = emptyCertDir,
                });
                var shown = (stdout + stderr).Replace(endpoint.Target, ExampleTarget, StringComparison.Ordinal).Replace(work, ExampleFolder, StringComparison.Ordinal);
                var context = $"README walkthrough step `{step.Command}` printed:\n{shown}";
                if (Environment.GetEnvironmentVariable("CERTHEAL_WALKTHROUGH_DUMP") is { Length: > 0 } dump)
                {
                    // For whoever edits the walkthrough: what to paste under each command.
                    File.AppendAllText(dump, $"$ {step.Command}  (exit {code})\n{shown}\n");
                    continue;
                }
                Assert.True(step.ExitCode == code, $"exit code {code}, the README says {step.ExitCode}. {context}");
                var actual = shown.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Normalize).ToList();
                if (step.Output.Count > 0)
                {
                    Assert.True(actual.Count > 0 && actual[0] == Normalize(step.Output[0]), $"header differs. {context}");
                }
                foreach (var row in step.Output.Skip(2).Where(l => l.Length > 0 && !char.IsWhiteSpace(l[0])))
                {
                    var start = FirstTokens(row);
                    Assert.True(actual.Any(a => FirstTokens(a) == start), $"no row starts with '{start}'. {context}");
                }
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private sealed record Step(string Command, int ExitCode, List<string> Output);

    /// <summary>The `$ certheal` lines of the README's Walkthrough section and the output shown under each.</summary>
    private static List<Step> Steps(string readme)
    {
        var section = WalkthroughSection().Match(readme);
        Assert.True(section.Success, "README.md has no '## Walkthrough' section.");
        var steps = new List<Step>();
        foreach (Match block in Regex.Matches(section.Value, "```sh\n(.*?)```", RegexOptions.Singleline))
        {
            Step? current = null;
            foreach (var line in block.Groups[1].Value.Split('\n'))
            {
                if (line.StartsWith("$ ", StringComparison.Ordinal))
                {
                    var exits = ExitComment().Match(line);
                    var command = (exits.Success ? line[..exits.Index] : line)[2..].Trim();
                    // Every command runs (a `cp` sets up the next step); the certheal ones are the tour.
                    current = new Step(command, exits.Success ? int.Parse(exits.Groups[1].Value) : 0, []);
                    steps.Add(current);
                }
                else
                {
                    current?.Output.Add(line.TrimEnd());
                }
            }
        }
        foreach (var step in steps)
        {
            while (step.Output.Count > 0 && step.Output[^1].Length == 0)
            {
                step.Output.RemoveAt(step.Output.Count - 1);
            }
        }
        return steps;
    }

    /// <summary>White space folded and timings masked: "8 ms" and "5 ms" are the same line.</summary>
    private static string Normalize(string line) => Regex.Replace(Regex.Replace(line, @"\d+ ms\b", "N ms"), @"\s+", " ").Trim();

    private static string FirstTokens(string line) => string.Join(' ', Normalize(line).Split(' ').Take(3));

    [GeneratedRegex(@"^## Walkthrough\n.*?(?=^## )", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex WalkthroughSection();

    [GeneratedRegex(@"#\s*exits\s+(\d)\b.*$")]
    private static partial Regex ExitComment();
}
