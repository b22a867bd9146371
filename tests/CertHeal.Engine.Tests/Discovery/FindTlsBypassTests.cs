using System.Diagnostics;
using System.Security.Cryptography;
using CertHeal.Cli;
using CertHeal.Discovery;

namespace CertHeal.Tests.Discovery;

/// <summary>Find-TlsBypass's engine over a planted tree, real child processes, and through the built certheal.</summary>
public sealed class FindTlsBypassTests(BypassTree tree) : IClassFixture<BypassTree>
{
    private static (List<TlsBypass> Found, List<string> Verbose) Scan(BypassScanOptions options)
    {
        var verbose = new List<string>();
        // A FIFO or a link loop that the walk failed to avoid would hang here: bound it.
        var scan = Task.Run(() => TlsBypassScanner.Scan(options, verbose: v => { lock (verbose) { verbose.Add(v); } }).ToList());
        Assert.True(scan.Wait(TimeSpan.FromSeconds(60)), "the scan did not finish within 60 s");
        return (scan.Result, verbose);
    }

    private static Dictionary<string, (string Hash, DateTime Modified)> Snapshot(string root) =>
        Directory.GetFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint })
            .Where(f => new FileInfo(f).LinkTarget is null && new FileInfo(f).Length > 0)
            .ToDictionary(f => f, f => (Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))), File.GetLastWriteTimeUtc(f)));

    [Fact]
    public void Every_planted_switch_is_found_once_with_its_line_kind_and_endpoint_and_nothing_else()
    {
        // The npmrc is named and also under the root: it is still read once.
        var (found, _) = Scan(new BypassScanOptions { Paths = [Path.Combine(tree.Root, "home", ".npmrc"), tree.Root] });

        var actual = found.Select(f => (f.Path!, f.Line!.Value, f.Kind, f.Endpoint)).Order().ToList();
        var missing = tree.Expected.Except(actual).ToList();
        var extra = actual.Except(tree.Expected).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            $"missing: {string.Join("; ", missing)}\nextra: {string.Join("; ", extra)}");
        Assert.Equal(tree.Expected.Count, found.Count);
    }

    [Fact]
    public void Comments_reads_comparisons_enabling_values_docs_binaries_and_installed_libraries_are_no_findings()
    {
        var (found, _) = Scan(new BypassScanOptions { Paths = [tree.Root] });

        string P(string relative) => Path.Combine(tree.Root, relative);
        Assert.DoesNotContain(found, f => f.Path == P("shell/env.sh") && f.Line is 12 or 13 or 14 or 15);
        Assert.DoesNotContain(found, f => f.Path == P("ps/deploy.ps1") && f.Line is 4 or 5 or 6 or 7 or 8);
        Assert.DoesNotContain(found, f => f.Path == P("py/client.py") && f.Line is 5 or 6 or 8);
        Assert.DoesNotContain(found, f => f.Path == P("js/app.js") && f.Line is 4 or 5 or 6 or 8);
        Assert.DoesNotContain(found, f => f.Path == P("java/Strict.java"));
        Assert.DoesNotContain(found, f => f.Path == P("home/.gitconfig") && f.Line is 5 or 7);
        Assert.DoesNotContain(found, f => f.Path!.Contains("node_modules") || f.Path.EndsWith("README.md") || f.Path.EndsWith("blob.bin") || f.Path.Contains("too-deep"));
    }

    [Fact]
    public void Findings_carry_the_line_the_switch_and_a_typed_remedy_rendered_in_the_host_s_words()
    {
        var (found, _) = Scan(new BypassScanOptions { Paths = [Path.Combine(tree.Root, "shell", "env.sh"), Path.Combine(tree.Root, "py")], Vocabulary = CliVocabulary.Instance });

        var curl = Assert.Single(found, f => f.Line == 5 && f.Kind == TlsBypassKind.CurlInsecure);
        Assert.Equal("curl", curl.Client);
        Assert.Equal("-sSk", curl.Setting);
        Assert.Equal("curl -sSk https://api.corp.example:8443/health", curl.Text);
        Assert.Equal(RemedyKind.TestPinAndRemoveBypass, curl.Remedy.Kind);
        Assert.Equal(("api.corp.example", 8443), (curl.Remedy.Probe.Host, curl.Remedy.Probe.Port));
        Assert.Equal((5, "-sSk"), (curl.Remedy.Line!.Value, curl.Remedy.Setting));
        var env = Path.Combine(tree.Root, "shell", "env.sh");
        Assert.Equal($"certheal test api.corp.example:8443; if it fails: certheal chain api.corp.example:8443 --out - | certheal merge {PosixQuote.Quote(CertHeal.Keystores.KeystoreMerger.DefaultKeystorePath())} - "
            + $"--policy Pinned --trusted-fingerprint <the root's SHA-256 from certheal test>; then remove -sSk from line 5 of {PosixQuote.Quote(env)}", curl.Recommendation);

        var node = Assert.Single(found, f => f.Line == 2 && f.Path == env);
        Assert.Equal(RemedyKind.RemoveBypass, node.Remedy.Kind);
        Assert.Equal($"certheal test <the host:port it calls>, heal what it reports, then remove NODE_TLS_REJECT_UNAUTHORIZED=0 from line 2 of {PosixQuote.Quote(env)}", node.Recommendation);

        // Credentials beside a switch are masked; the endpoint never carries them.
        var masked = Assert.Single(found, f => f.Line == 16 && f.Path == env);
        Assert.Equal("curl --insecure https://***@private.corp.example/x  # masked", masked.Text);
        Assert.DoesNotContain(found, f => f.Text.Contains("s3cret") || f.Recommendation.Contains("s3cret"));

        var python = Assert.Single(found, f => f.Kind == TlsBypassKind.PythonVerifyFalse && f.Line == 2);
        Assert.Equal("verify=False", python.Setting);
        Assert.Equal("py.corp.example:443", python.Endpoint);
    }

    [Fact]
    public void The_scan_changes_no_file_content_nor_modification_time()
    {
        var before = Snapshot(tree.Root);

        Scan(new BypassScanOptions { Paths = [tree.Root] });

        Assert.Equal(before, Snapshot(tree.Root));
    }

    [Fact]
    public void A_file_locked_by_another_program_and_one_made_unreadable_are_verbose_skips_and_the_rest_is_still_found()
    {
        var folder = Directory.CreateTempSubdirectory("certheal-bypass-locked-").FullName;
        try
        {
            var locked = Path.Combine(folder, "locked.sh");
            var noAccess = Path.Combine(folder, "no-access.sh");
            var open = Path.Combine(folder, "open.sh");
            foreach (var file in new[] { locked, noAccess, open })
            {
                File.WriteAllText(file, "export GIT_SSL_NO_VERIFY=1\n");
            }
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(noAccess, UnixFileMode.None);
            }
            // .NET takes an exclusive flock for FileShare.None, so the scanner's shared open fails even for root.
            using (new FileStream(locked, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
                var (found, verbose) = Scan(new BypassScanOptions { Paths = [folder] });

                Assert.Contains(found, f => f.Path == open);
                Assert.DoesNotContain(found, f => f.Path == locked);
                Assert.Contains(verbose, v => v.StartsWith($"Could not read '{locked}'", StringComparison.Ordinal) && v.EndsWith("; skipped.", StringComparison.Ordinal));
                if (Environment.UserName != "root")
                {
                    Assert.DoesNotContain(found, f => f.Path == noAccess);
                    Assert.Contains(verbose, v => v.StartsWith($"Could not read '{noAccess}'", StringComparison.Ordinal));
                }
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Walks_are_bounded_by_depth_and_file_count_and_a_missing_path_is_a_verbose_line()
    {
        var shallow = Scan(new BypassScanOptions { Paths = [tree.Root], MaxDepth = 1 }).Found;
        Assert.Contains(shallow, f => f.Path == Path.Combine(tree.Root, "shell", "env.sh"));
        Assert.DoesNotContain(shallow, f => f.Path!.Contains("/.config/"));
        var deep = Scan(new BypassScanOptions { Paths = [tree.Root], MaxDepth = 9 }).Found;
        Assert.Contains(deep, f => f.Path!.EndsWith("too-deep.sh", StringComparison.Ordinal));

        var (few, verbose) = Scan(new BypassScanOptions { Paths = [Path.Combine(tree.Root, "nowhere"), tree.Root], MaxFiles = 2 });
        Assert.True(few.Select(f => f.Path).Distinct().Count() <= 2);
        Assert.Contains(verbose, v => v.Contains("does not exist") && v.Contains("nowhere"));
        Assert.Contains("The scan stopped after 2 files; name a smaller folder.", verbose);
    }

    [Fact]
    public void A_cancelled_scan_stops()
    {
        using var cancel = new CancellationTokenSource();
        var seen = 0;
        var scan = TlsBypassScanner.Scan(new BypassScanOptions { Paths = [tree.Root] }, cancellationToken: cancel.Token).Select(f =>
        {
            if (++seen == 1)
            {
                cancel.Cancel();
            }
            return f;
        });

        Assert.Throws<OperationCanceledException>(() => scan.ToList());
        Assert.Equal(1, seen);
    }

    [Fact]
    public async Task Real_processes_started_with_the_variables_and_a_curl_k_command_line_are_found_by_id_and_by_all_processes()
    {
        var started = new List<Process>();
        Process Start(string file, string[] args, Dictionary<string, string>? environment = null)
        {
            var info = new ProcessStartInfo(file) { UseShellExecute = false };
            foreach (var arg in args)
            {
                info.ArgumentList.Add(arg);
            }
            foreach (var name in new[] { "NODE_TLS_REJECT_UNAUTHORIZED", "PYTHONHTTPSVERIFY", "GIT_SSL_NO_VERIFY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "PIP_TRUSTED_HOST", "NPM_CONFIG_STRICT_SSL", "npm_config_strict_ssl" })
            {
                info.Environment.Remove(name);
            }
            foreach (var (name, value) in environment ?? [])
            {
                info.Environment[name] = value;
            }
            var process = Process.Start(info)!;
            started.Add(process);
            return process;
        }
        try
        {
            var sleep = Start("sleep", ["30"], new()
            {
                ["NODE_TLS_REJECT_UNAUTHORIZED"] = "0", ["GIT_SSL_NO_VERIFY"] = "1", ["PIP_TRUSTED_HOST"] = "pypi.corp.example", ["CURL_CA_BUNDLE"] = "",
                ["PYTHONHTTPSVERIFY"] = "1",
            });
            // sh runs nothing but sleep for 30 s: curl never starts, its command line is in sh's.
            var shell = Start("sh", ["-c", "sleep 30; curl -k https://api.corp.example:8443/health"]);
            var clean = Start("sleep", ["30"]);
            await Task.Delay(300);

            var (found, verbose) = Scan(new BypassScanOptions { ProcessIds = [sleep.Id, shell.Id, clean.Id], Vocabulary = CliVocabulary.Instance });

            var ofSleep = found.Where(f => f.ProcessId == sleep.Id).ToList();
            Assert.Equal([TlsBypassKind.NodeTlsRejectUnauthorized, TlsBypassKind.RequestsCaBundleEmpty, TlsBypassKind.GitSslNoVerify, TlsBypassKind.PipTrustedHost],
                ofSleep.Select(f => f.Kind).Order());
            Assert.All(ofSleep, f => Assert.Equal($"process {sleep.Id} (sleep)", f.Location));
            Assert.All(ofSleep, f => Assert.Null(f.Line));
            Assert.Equal("NODE_TLS_REJECT_UNAUTHORIZED=0", ofSleep.Single(f => f.Kind == TlsBypassKind.NodeTlsRejectUnauthorized).Setting);
            Assert.Equal("pypi.corp.example:443", ofSleep.Single(f => f.Kind == TlsBypassKind.PipTrustedHost).Endpoint);
            Assert.EndsWith($"then restart process {sleep.Id} (sleep) without NODE_TLS_REJECT_UNAUTHORIZED=0",
                ofSleep.Single(f => f.Kind == TlsBypassKind.NodeTlsRejectUnauthorized).Recommendation);
            var curl = Assert.Single(found, f => f.ProcessId == shell.Id);
            Assert.Equal((TlsBypassKind.CurlInsecure, "-k", "api.corp.example:8443"), (curl.Kind, curl.Setting, curl.Endpoint));
            Assert.Equal("sh -c sleep 30; curl -k https://api.corp.example:8443/health", curl.Text);
            Assert.DoesNotContain(found, f => f.ProcessId == clean.Id);
            Assert.Contains(verbose, v => v == $"Process {clean.Id} (sleep) switches no validation off in its environment or command line.");

            var all = Scan(new BypassScanOptions { AllProcesses = true }).Found;
            Assert.Contains(all, f => f.ProcessId == sleep.Id && f.Kind == TlsBypassKind.GitSslNoVerify);
            Assert.Contains(all, f => f.ProcessId == shell.Id && f.Kind == TlsBypassKind.CurlInsecure);
        }
        finally
        {
            foreach (var process in started)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
                process.Dispose();
            }
        }
    }

    [Fact]
    public void Without_names_it_reads_every_process_and_the_home_folder_s_well_known_files()
    {
        var noProcesses = Directory.CreateTempSubdirectory("certheal-bypass-proc-").FullName;
        try
        {
            var environment = DiscoveryEnvironment.FromMachine() with { Home = Path.Combine(tree.Root, "home"), ProcRoot = noProcesses };
            var verbose = new List<string>();

            var found = TlsBypassScanner.Scan(new BypassScanOptions(), environment, verbose.Add).ToList();

            string Home(string relative) => Path.Combine(tree.Root, "home", relative);
            foreach (var file in new[] { ".gitconfig", ".npmrc", ".curlrc", ".wgetrc", ".config/pip/pip.conf", ".config/powershell/Microsoft.PowerShell_profile.ps1" })
            {
                Assert.Contains(found, f => f.Path == Home(file));
            }
            // The machine's own /etc files may hold switches too; only the planted home is asserted, and no planted file outside it is read.
            Assert.DoesNotContain(found, f => f.Path!.StartsWith(tree.Root, StringComparison.Ordinal) && !f.Path.StartsWith(Home(""), StringComparison.Ordinal));
            Assert.DoesNotContain(found, f => f.ProcessId is not null);
        }
        finally
        {
            Directory.Delete(noProcesses);
        }
    }

    [Fact]
    public void A_process_that_is_gone_is_a_verbose_line_not_an_error()
    {
        var (found, verbose) = Scan(new BypassScanOptions { ProcessIds = [int.MaxValue - 7] });

        Assert.Empty(found);
        Assert.Contains(verbose, v => v.StartsWith($"Process {int.MaxValue - 7} cannot be read (it does not exist)", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("curl -k https://h.example/x", "h.example:443")]
    [InlineData("wget --no-check-certificate https://user:pw@H.Example:8443/x", "h.example:8443")]
    [InlineData("curl -k https://[::1]:9443/", "[::1]:9443")]
    [InlineData("curl -k http://plain.example/", null)]
    [InlineData("curl -k https://h.example:99999/", null)]
    public void Endpoints_come_from_https_urls_only_without_user_information(string line, string? endpoint)
    {
        Assert.Equal(endpoint, BypassEndpoint.In(line));
    }

    [Fact]
    public async Task Cli_find_bypasses_json_table_and_exit_codes()
    {
        var clean = Directory.CreateTempSubdirectory("certheal-bypass-clean-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(clean, "ok.sh"), "curl https://ok.example/\n# curl -k https://old.example/\n");
            var json = await CliProcess.RunAsync(["find", "--bypasses", "--path", Path.Combine(tree.Root, "home"), "--json"]);
            var table = await CliProcess.RunAsync(["find", "--bypasses", "--path", Path.Combine(tree.Root, "home", ".npmrc")]);
            var none = await CliProcess.RunAsync(["find", "--bypasses", "--path", clean]);
            var missing = await CliProcess.RunAsync(["find", "--bypasses", "--path", Path.Combine(clean, "nope")]);
            var badPid = await CliProcess.RunAsync(["find", "--bypasses", "--pid", "node"]);
            var gonePid = await CliProcess.RunAsync(["find", "--bypasses", "--pid", (int.MaxValue - 7).ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            var help = await CliProcess.RunAsync(["find", "--help"]);
            var info = new ProcessStartInfo("sleep") { UseShellExecute = false };
            info.ArgumentList.Add("30");
            foreach (var inherited in TlsBypassRules.Environment.Select(r => r.Name))
            {
                info.Environment.Remove(inherited);
            }
            info.Environment["NODE_TLS_REJECT_UNAUTHORIZED"] = "0";
            (int Code, string Stdout, string Stderr) process;
            using (var sleep = Process.Start(info)!)
            {
                try
                {
                    process = await CliProcess.RunAsync(["find", "--bypasses", "--pid", sleep.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json"]);
                    Assert.True(process.Code == 1, process.Stderr);
                    var entry = Assert.Single(System.Text.Json.JsonDocument.Parse(process.Stdout).RootElement.EnumerateArray());
                    Assert.Equal($"process {sleep.Id} (sleep)", entry.GetProperty("Location").GetString());
                    Assert.Equal(sleep.Id, entry.GetProperty("ProcessId").GetInt32());
                    Assert.EndsWith($"then restart process {sleep.Id} (sleep) without NODE_TLS_REJECT_UNAUTHORIZED=0", entry.GetProperty("Recommendation").GetString());
                }
                finally
                {
                    sleep.Kill();
                    sleep.WaitForExit(10_000);
                }
            }

            Assert.True(json.Code == 1, json.Stderr);
            var items = System.Text.Json.JsonDocument.Parse(json.Stdout).RootElement.EnumerateArray().ToList();
            Assert.Equal(tree.Expected.Count(e => e.File.Contains("/home/", StringComparison.Ordinal)), items.Count);
            var npm = items.Single(i => i.GetProperty("Kind").GetString() == "NpmStrictSslFalse");
            Assert.Equal("npm.corp.example:443", npm.GetProperty("Endpoint").GetString());
            Assert.Equal(3, npm.GetProperty("Line").GetInt32());
            Assert.Equal("TestPinAndRemoveBypass", npm.GetProperty("Remedy").GetProperty("Kind").GetString());
            Assert.StartsWith("certheal test npm.corp.example:443; ", npm.GetProperty("Recommendation").GetString());
            Assert.DoesNotContain(items, i => i.GetProperty("Recommendation").GetString()!.Contains("Test-TlsHandshake"));
            Assert.Equal(1, table.Code);
            Assert.Contains("strict-ssl=false", table.Stdout);
            Assert.Contains("npm.corp.example:443", table.Stdout);
            Assert.True(none.Code == 0, none.Stdout + none.Stderr);
            Assert.Equal((2, $"certheal: the path '{Path.Combine(clean, "nope")}' does not exist; check --path."), (missing.Code, missing.Stderr.Trim()));
            Assert.Equal((2, "certheal: option '--pid' must be a process id, not 'node'."), (badPid.Code, badPid.Stderr.Trim()));
            Assert.Equal(2, gonePid.Code);
            Assert.Contains("is running", gonePid.Stderr);
            Assert.Contains("certheal find --bypasses", help.Stdout);
        }
        finally
        {
            Directory.Delete(clean, recursive: true);
        }
    }
}
