using System.Diagnostics;
using CertHeal.Lab;
using Xunit.Abstractions;

namespace CertHeal.Tests.Reliability;

/// <summary>
/// A known password, given through --password-env and --password-file, appears in no stdout
/// (tables and --json), no stderr line (--verbose included), no file name the write path
/// leaves, and no command line of certheal or any process it starts while it runs.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class SecretsTests(LabFixture fixture, ITestOutputHelper output) : IClassFixture<LabFixture>
{
    [Fact]
    public async Task The_password_appears_in_no_output_error_file_name_or_command_line()
    {
        var folder = ReliabilityKit.NewFolder("secrets");
        try
        {
            var passwordFile = Path.Combine(folder, "password.txt");
            await File.WriteAllTextAsync(passwordFile, ReliabilityKit.Password + "\n");
            var jks = Path.Combine(folder, "s.jks");
            var p12 = Path.Combine(folder, "s.p12");
            var pem = Path.Combine(folder, "s.pem");
            var corrupt = Path.Combine(folder, "corrupt.jks");
            await File.WriteAllBytesAsync(corrupt, [0xFE, 0xED, 0xFE, 0xED, 0, 0, 0, 2, 0, 0, 0, 9, .. new byte[40]]);
            var bundle = Path.Combine(folder, "incoming.pem");
            ReliabilityKit.WritePemBundle(bundle, ReliabilityKit.Certificates("secrets", 3));
            var second = Path.Combine(folder, "second.pem");
            ReliabilityKit.WritePemBundle(second, ReliabilityKit.Certificates("secrets-2", 2));
            await File.WriteAllTextAsync(pem, CertificateMint.ToPem(fixture.Lab.Trusted.Root));
            var endpoint = fixture.Lab.Start(LabScenario.GoodChain);
            var env = new[] { "--password-env", ReliabilityKit.PasswordVariable };
            var file = new[] { "--password-file", passwordFile };
            var wrongFile = Path.Combine(folder, "wrong.txt");
            await File.WriteAllTextAsync(wrongFile, "x" + ReliabilityKit.Password);
            string[][] commands =
            [
                ["merge", jks, bundle, "--policy", "TrustOnFirstUse", "--force", "--verbose", .. env],
                ["merge", jks, second, "--policy", "TrustOnFirstUse", "--force", "--json", "--verbose", .. file],
                ["merge", p12, bundle, second, "--policy", "TrustOnFirstUse", "--approval-command", "sleep 0.3; exit 0", "--json", .. env],
                ["merge", p12, bundle, "--what-if", "--json", "--verbose", .. file],
                ["confirm", jks, "--json", "--verbose", .. env],
                ["confirm", p12, "--verbose", .. file],
                ["request", "https://" + endpoint.Target + "/", "--keystore", pem, "--json", "--verbose", .. env],
                ["test", endpoint.Target, "--keystore", pem, "--json", "--verbose"],
                // Errors on purpose: a wrong password that contains the right one, a corrupt store, a bad option.
                ["merge", jks, bundle, "--policy", "TrustOnFirstUse", "--force", "--verbose", "--password-file", wrongFile],
                ["confirm", p12, "--json", "--verbose", "--password-file", wrongFile],
                ["merge", corrupt, bundle, "--verbose", .. env],
                ["confirm", corrupt, "--json", .. file],
                ["merge", jks, bundle, "--policy", "Nonsense", "--verbose", .. env],
            ];
            var seen = new List<string>();
            var commandLines = 0;
            var failures = 0;
            foreach (var args in commands)
            {
                using var process = ReliabilityKit.StartCli(args);
                var stdout = process.StandardOutput.ReadToEndAsync();
                var stderr = process.StandardError.ReadToEndAsync();
                var clock = Stopwatch.StartNew();
                // While it runs: its own command line and those of the processes it starts (the approval command).
                while (!process.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60))
                {
                    foreach (var pid in Family(process.Id))
                    {
                        if (CommandLine(pid) is { } line)
                        {
                            seen.Add(line);
                            commandLines++;
                        }
                    }
                    await Task.Delay(5);
                }
                await process.WaitForExitAsync();
                seen.Add(await stdout);
                seen.Add(await stderr);
                output.WriteLine($"exit {process.ExitCode}: certheal {string.Join(' ', args)}");
                if (process.ExitCode == 2)
                {
                    failures++;
                    Assert.True((await stderr).Trim().Split('\n').Count(l => l.StartsWith("certheal:", StringComparison.Ordinal)) == 1, $"certheal {string.Join(' ', args)}: {await stderr}");
                }
            }
            seen.AddRange(Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories));
            output.WriteLine($"{commands.Length} commands, {failures} failed on purpose, {commandLines} command lines sampled, {seen.Sum(s => s.Length)} characters searched");

            Assert.True(failures >= 4, $"only {failures} commands failed with an input error");
            Assert.True(commandLines >= commands.Length, "the command lines were not sampled");
            Assert.True(File.Exists(jks + ".bak"));
            Assert.DoesNotContain(seen, s => s.Contains(ReliabilityKit.Password, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static IEnumerable<int> Family(int pid)
    {
        yield return pid;
        var pending = new Queue<int>([pid]);
        while (pending.Count > 0)
        {
            var parent = pending.Dequeue();
            foreach (var task in SafeDirectories($"/proc/{parent}/task"))
            {
                string children;
                try
                {
                    children = File.ReadAllText(Path.Combine(task, "children"));
                }
                catch (IOException)
                {
                    continue;
                }
                foreach (var child in children.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    var id = int.Parse(child, System.Globalization.CultureInfo.InvariantCulture);
                    pending.Enqueue(id);
                    yield return id;
                }
            }
        }
    }

    private static string[] SafeDirectories(string path)
    {
        try
        {
            return Directory.GetDirectories(path);
        }
        catch (IOException)
        {
            return [];
        }
    }

    private static string? CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return null;
        }
    }
}
