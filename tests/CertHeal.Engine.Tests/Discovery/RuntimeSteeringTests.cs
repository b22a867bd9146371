using CertHeal.Discovery;

namespace CertHeal.Tests.Discovery;

/// <summary>
/// Find-Keystore's steering against real runtimes: a runtime started without the switch fails
/// the lab server's handshake, Find-Keystore on that running process names a switch, and a new
/// run with exactly that switch (pointing at the store CertHeal healed) connects.
/// </summary>
public sealed class RuntimeSteeringTests(SteeringLab lab) : IClassFixture<SteeringLab>
{
    private const string NodeClient = "const https = require('https'); if (process.argv[1] === 'wait') { process.stdin.resume(); } else "
        + "{ https.get(process.argv[1], r => { console.log('status ' + r.statusCode); process.exit(0); }).on('error', e => { console.error(e.code || e.message); process.exit(3); }); }";

    private static List<RuntimeSteering> Steering(int pid, string? steerTo)
    {
        var found = KeystoreFinder.Find(new FindOptions { ProcessIds = [pid], SteerTo = steerTo }, DiscoveryEnvironment.FromMachine());
        return [.. found.SelectMany(l => l.Steering).Distinct()];
    }

    private static Dictionary<string, string> Applied(RuntimeSteering steering) => steering.Kind switch
    {
        SteeringKind.EnvironmentVariable => new() { [steering.Name!] = steering.Value! },
        SteeringKind.JvmProperty => new() { [SteeringText.JavaToolOptions] = SteeringText.JvmOption(steering) },
        _ => throw new InvalidOperationException($"{steering.Kind} is not applied through the environment."),
    };

    [SkippableFact]
    public async Task Node_fails_then_runs_with_the_NODE_EXTRA_CA_CERTS_Find_Keystore_names()
    {
        Skip.IfNot(SteeringLab.Has("node"), "node is not installed (Debian package nodejs).");
        var before = await lab.RunAsync("node", ["-e", NodeClient, lab.Url]);
        Assert.True(before.Code == 3, before.Output);

        var running = lab.StartWaiting("node", ["-e", NodeClient, "wait"]);
        var steering = Assert.Single(Steering(running.Id, lab.HealedPem));

        Assert.Equal((SteeringRuntime.Node, SteeringKind.EnvironmentVariable, "NODE_EXTRA_CA_CERTS", lab.HealedPem), (steering.Runtime, steering.Kind, steering.Name, steering.Value));
        var version = (await lab.RunAsync("node", ["--version"])).Output.Trim().TrimStart('v');
        Assert.Equal(version, steering.RuntimeVersion);
        Assert.Contains("adds the PEM bundle's certificates to Node's built-in roots", steering.Reason);
        Assert.Equal($"set NODE_EXTRA_CA_CERTS={lab.HealedPem} in its environment", steering.Command);
        var after = await lab.RunAsync("node", ["-e", NodeClient, lab.Url], Applied(steering));
        Assert.True(after.Code == 0, after.Output);
        Assert.Contains("status 404", after.Output);
    }

    [SkippableFact]
    public void Node_that_already_adds_the_healed_store_needs_no_switch_and_an_OS_bundle_on_Node_20_still_gets_NODE_EXTRA_CA_CERTS()
    {
        Skip.IfNot(SteeringLab.Has("node"), "node is not installed (Debian package nodejs).");
        var steered = lab.StartWaiting("node", ["-e", NodeClient, "wait"], new Dictionary<string, string> { ["NODE_EXTRA_CA_CERTS"] = lab.HealedPem });
        var none = Assert.Single(Steering(steered.Id, lab.HealedPem));
        Assert.Equal(SteeringKind.None, none.Kind);
        Assert.Equal($"Node already adds '{lab.HealedPem}' to its roots (NODE_EXTRA_CA_CERTS).", none.Reason);
        Assert.Equal("", none.Command);

        // The healed store standing in for the OS bundle: only a Node that knows NODE_USE_SYSTEM_CA gets it.
        var plain = lab.StartWaiting("node", ["-e", NodeClient, "wait"]);
        var verbose = new List<string>();
        var found = KeystoreFinder.Find(new FindOptions { ProcessIds = [plain.Id], SteerTo = lab.HealedPem },
            DiscoveryEnvironment.FromMachine() with { SystemBundles = [lab.HealedPem] }, verbose.Add);
        var steering = Assert.Single(found.SelectMany(l => l.Steering).Distinct());
        var version = Version.Parse(steering.RuntimeVersion!);
        Assert.Equal(ProcessRuntime.KnowsUseSystemCa(version) ? "NODE_USE_SYSTEM_CA" : "NODE_EXTRA_CA_CERTS", steering.Name);
        if (!ProcessRuntime.KnowsUseSystemCa(version))
        {
            Assert.StartsWith($"Node {steering.RuntimeVersion} has no NODE_USE_SYSTEM_CA (22.19+ and 24.6+)", steering.Reason);
        }
    }

    [Theory]
    [InlineData("20.19.2", false)]
    [InlineData("22.18.0", false)]
    [InlineData("22.19.0", true)]
    [InlineData("23.11.1", false)]
    [InlineData("24.5.0", false)]
    [InlineData("24.6.0", true)]
    [InlineData("25.0.0", true)]
    public void NODE_USE_SYSTEM_CA_is_offered_only_to_the_Node_lines_that_read_it(string version, bool knows) =>
        Assert.Equal(knows, ProcessRuntime.KnowsUseSystemCa(Version.Parse(version)));

    [SkippableFact]
    public async Task Python_urllib_fails_then_runs_with_the_SSL_CERT_FILE_Find_Keystore_names()
    {
        Skip.IfNot(SteeringLab.Has("python3"), "python3 is not installed.");
        var python = (await lab.RunAsync("python3", ["-c", "import sys; print(sys.executable)"])).Output.Trim();
        var script = lab.Write("fetch_stdlib.py", """
            import sys, urllib.request, urllib.error
            if sys.argv[1] == 'wait':
                sys.stdin.read()
                sys.exit(0)
            try:
                urllib.request.urlopen(sys.argv[1], timeout=20)
            except urllib.error.HTTPError as e:
                print('status', e.code)
            except urllib.error.URLError as e:
                print(e.reason, file=sys.stderr)
                sys.exit(3)
            """);
        var before = await lab.RunAsync(python, [script, lab.Url]);
        Assert.True(before.Code == 3, before.Output);

        var running = lab.StartWaiting(python, [script, "wait"]);
        var steering = Assert.Single(Steering(running.Id, lab.HealedPem));

        Assert.Equal((SteeringRuntime.Python, SteeringKind.EnvironmentVariable, "SSL_CERT_FILE", lab.HealedPem), (steering.Runtime, steering.Kind, steering.Name, steering.Value));
        Assert.StartsWith($"'{script}' uses the stdlib (ssl, urllib)", steering.Reason);
        var after = await lab.RunAsync(python, [script, lab.Url], Applied(steering));
        Assert.True(after.Code == 0, after.Output);
        Assert.Contains("status 404", after.Output);
    }

    [SkippableFact]
    public async Task Python_requests_fails_then_runs_with_the_REQUESTS_CA_BUNDLE_Find_Keystore_names()
    {
        Skip.IfNot(SteeringLab.Has("python3"), "python3 is not installed.");
        var python = (await lab.RunAsync("python3", ["-c", "import sys; print(sys.executable)"])).Output.Trim();
        Skip.IfNot((await lab.RunAsync(python, ["-c", "import requests"])).Code == 0, "requests is not importable by python3 (Debian package python3-requests).");
        var script = lab.Write("fetch_requests.py", """
            import sys
            import requests
            if sys.argv[1] == 'wait':
                sys.stdin.read()
                sys.exit(0)
            try:
                print('status', requests.get(sys.argv[1], timeout=20).status_code)
            except requests.exceptions.SSLError as e:
                print(e, file=sys.stderr)
                sys.exit(3)
            """);
        var before = await lab.RunAsync(python, [script, lab.Url]);
        Assert.True(before.Code == 3, before.Output);

        var running = lab.StartWaiting(python, [script, "wait"]);
        var steering = Assert.Single(Steering(running.Id, lab.HealedPem));

        Assert.Equal((SteeringKind.EnvironmentVariable, "REQUESTS_CA_BUNDLE"), (steering.Kind, steering.Name));
        Assert.Contains("replaces certifi's roots", steering.Reason);
        var after = await lab.RunAsync(python, [script, lab.Url], Applied(steering));
        Assert.True(after.Code == 0, after.Output);
        Assert.Contains("status 404", after.Output);
    }

    [SkippableFact]
    public void Python_whose_imports_are_unknown_gets_both_variables_and_why()
    {
        Skip.IfNot(SteeringLab.Has("python3"), "python3 is not installed.");
        var running = lab.StartWaiting("python3", ["-c", "import sys; sys.stdin.read()"]);
        var steering = Steering(running.Id, lab.HealedPem);

        Assert.Equal(["REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"], steering.Select(s => s.Name));
        Assert.All(steering, s => Assert.StartsWith("What the process imports is unknown (no script file on its command line), and no single variable covers both", s.Reason));
    }

    [SkippableFact]
    public async Task Java_fails_then_runs_with_the_trustStore_Find_Keystore_puts_in_JAVA_TOOL_OPTIONS()
    {
        Skip.IfNot(SteeringLab.Has("java"), "java is not installed (Debian package default-jdk-headless).");
        var client = lab.Write("Fetch.java", """
            public class Fetch {
                public static void main(String[] a) throws Exception {
                    if (a[0].equals("wait")) { System.in.read(); return; }
                    var c = (javax.net.ssl.HttpsURLConnection) new java.net.URL(a[0]).openConnection();
                    c.setConnectTimeout(20000); c.setReadTimeout(20000);
                    try { System.out.println("status " + c.getResponseCode()); }
                    catch (javax.net.ssl.SSLHandshakeException e) { System.err.println(e.getMessage()); System.exit(3); }
                }
            }
            """);
        var before = await lab.RunAsync("java", [client, lab.Url]);
        Assert.True(before.Code == 3, before.Output);

        var running = lab.StartWaiting("java", [client, "wait"]);
        var ownStore = Assert.Single(Steering(running.Id, null));
        Assert.Equal(SteeringKind.None, ownStore.Kind);
        Assert.StartsWith("The JVM already reads '", ownStore.Reason);
        var steering = Assert.Single(Steering(running.Id, lab.HealedJks));

        Assert.Equal((SteeringRuntime.Java, SteeringKind.JvmProperty, "javax.net.ssl.trustStore", lab.HealedJks), (steering.Runtime, steering.Kind, steering.Name, steering.Value));
        Assert.Contains("No trustStoreType or password", steering.Reason);
        var after = await lab.RunAsync("java", [client, lab.Url], Applied(steering));
        Assert.True(after.Code == 0, after.Output);
        Assert.Contains("status 404", after.Output);
        Assert.Contains("Picked up JAVA_TOOL_OPTIONS: -Djavax.net.ssl.trustStore=", after.Output);

        var pem = Assert.Single(Steering(running.Id, lab.HealedPem));
        Assert.Equal(SteeringKind.None, pem.Kind);
        Assert.StartsWith("Java reads only JKS and PKCS#12 trust stores", pem.Reason);
    }

    [SkippableFact]
    public void Java_steering_keeps_the_process_s_other_JAVA_TOOL_OPTIONS_and_says_when_the_command_line_wins()
    {
        Skip.IfNot(SteeringLab.Has("java"), "java is not installed (Debian package default-jdk-headless).");
        var waiter = lab.Write("Wait.java", "public class Wait { public static void main(String[] a) throws Exception { System.in.read(); } }\n");
        var tuned = lab.StartWaiting("java", [waiter], new Dictionary<string, string> { ["JAVA_TOOL_OPTIONS"] = "-Xmx64m" });
        var pinned = lab.StartWaiting("java", ["-Djavax.net.ssl.trustStore=/etc/ssl/certs/java/cacerts", waiter]);

        var keep = Assert.Single(Steering(tuned.Id, lab.HealedJks));
        var wins = Assert.Single(Steering(pinned.Id, lab.HealedJks));

        Assert.Contains("Its JAVA_TOOL_OPTIONS already holds '-Xmx64m': append the property to that rather than replace it.", keep.Reason);
        Assert.EndsWith($"Its command line of process {pinned.Id} sets the property too and wins over JAVA_TOOL_OPTIONS: change it there instead.", wins.Reason);
        Assert.Equal(SteeringKind.JvmProperty, wins.Kind);
    }

    [SkippableFact]
    public async Task Git_fails_then_runs_with_the_http_sslCAInfo_Find_Keystore_names()
    {
        Skip.IfNot(SteeringLab.Has("git"), "git is not installed.");
        var before = await lab.RunAsync("git", ["ls-remote", lab.Url]);
        Assert.NotEqual(0, before.Code);
        Assert.Contains("certificate", before.Output, StringComparison.OrdinalIgnoreCase);

        var running = lab.StartWaiting("git", ["hash-object", "--stdin"]);
        var steering = Assert.Single(Steering(running.Id, lab.HealedPem));

        Assert.Equal((SteeringRuntime.Git, SteeringKind.GitConfig, "http.sslCAInfo", lab.HealedPem), (steering.Runtime, steering.Kind, steering.Name, steering.Value));
        var global = new Dictionary<string, string> { ["GIT_CONFIG_GLOBAL"] = Path.Combine(lab.Work, "gitconfig-steered") };
        var set = await lab.RunAsync("git", ["config", "--global", steering.Name!, steering.Value!], global);
        Assert.True(set.Code == 0, set.Output);
        var after = await lab.RunAsync("git", ["ls-remote", lab.Url], global);
        // The handshake passes; the lab server has no repository, so git stops at its 404.
        Assert.DoesNotContain("certificate", after.Output, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("not found", after.Output, StringComparison.OrdinalIgnoreCase);
    }

    [SkippableFact]
    public async Task Openssl_s_client_fails_then_verifies_with_the_SSL_CERT_FILE_Find_Keystore_names()
    {
        Skip.IfNot(SteeringLab.Has("openssl"), "openssl is not installed.");
        string[] connect = ["s_client", "-connect", $"127.0.0.1:{lab.Port}", "-verify_return_error", "-brief"];
        var before = await lab.RunAsync("openssl", connect);
        Assert.NotEqual(0, before.Code);

        var running = lab.StartWaiting("openssl", ["s_client", "-connect", $"127.0.0.1:{lab.Port}", "-quiet"]);
        var steering = Assert.Single(Steering(running.Id, lab.HealedPem));

        Assert.Equal((SteeringRuntime.OpenSsl, "SSL_CERT_FILE"), (steering.Runtime, steering.Name));
        var after = await lab.RunAsync("openssl", connect, Applied(steering));
        Assert.True(after.Code == 0, after.Output);
        Assert.Contains("Verification: OK", after.Output);
    }

    [SkippableFact]
    public async Task The_CLI_prints_the_switch_in_its_table_and_json_and_sh_runs_it_as_printed()
    {
        Skip.IfNot(SteeringLab.Has("node"), "node is not installed (Debian package nodejs).");
        var running = lab.StartWaiting("node", ["-e", NodeClient, "wait"]);
        var pid = running.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var table = await CliProcess.RunAsync(["find", "--process-id", pid, "--steer-to", lab.HealedPem]);
        var json = await CliProcess.RunAsync(["find", "--process-id", pid, "--steer-to", lab.HealedPem, "--json"]);
        var missing = await CliProcess.RunAsync(["find", "--process-id", pid, "--steer-to", Path.Combine(lab.Work, "not-yet.pem"), "--verbose"]);

        Assert.True(table.Code == 0, table.Stderr);
        var command = $"export NODE_EXTRA_CA_CERTS={lab.HealedPem}";
        Assert.Contains($"steer process {pid} (Node): {command}", table.Stdout);
        Assert.Contains(lab.HealedPem, table.Stdout);
        using var parsed = System.Text.Json.JsonDocument.Parse(json.Stdout);
        var location = Assert.Single(parsed.RootElement.EnumerateArray());
        Assert.Equal($"the store CertHeal heals for process {pid} (node), which it does not read yet", location.GetProperty("FoundBy")[0].GetString());
        var steering = Assert.Single(location.GetProperty("Steering").EnumerateArray());
        Assert.Equal(("Node", "EnvironmentVariable", "NODE_EXTRA_CA_CERTS", command),
            (steering.GetProperty("Runtime").GetString(), steering.GetProperty("Kind").GetString(), steering.GetProperty("Name").GetString(), steering.GetProperty("Command").GetString()));
        // Nothing to report when the healed store does not exist yet, so exit 1; the switch is still told.
        Assert.Equal(1, missing.Code);
        Assert.Contains($"merge into it, then: export NODE_EXTRA_CA_CERTS={Path.Combine(lab.Work, "not-yet.pem")}", missing.Stderr);

        var after = await lab.RunAsync("/bin/sh", ["-c", $"{command} && exec node -e \"$0\" \"$1\"", NodeClient, lab.Url]);
        Assert.True(after.Code == 0, after.Output);
        Assert.Contains("status 404", after.Output);
    }

    [Fact]
    public void Each_host_renders_the_switch_for_its_shell_and_quotes_the_path()
    {
        var variable = new RuntimeSteering { Kind = SteeringKind.EnvironmentVariable, Name = "NODE_EXTRA_CA_CERTS", Value = "/srv/it's here.pem" };
        var jvm = new RuntimeSteering { Kind = SteeringKind.JvmProperty, Name = "javax.net.ssl.trustStore", Value = "/srv/app store.jks" };
        var git = new RuntimeSteering { Kind = SteeringKind.GitConfig, Name = "http.sslCAInfo", Value = "/srv/ca.pem" };

        Assert.Equal("set NODE_EXTRA_CA_CERTS=/srv/it's here.pem in its environment", CertHeal.Handshake.NeutralVocabulary.Instance.Render(variable));
        Assert.Equal("add -Djavax.net.ssl.trustStore=\"/srv/app store.jks\" to JAVA_TOOL_OPTIONS in its environment", CertHeal.Handshake.NeutralVocabulary.Instance.Render(jvm));
        Assert.Equal("git config --global http.sslCAInfo /srv/ca.pem", CertHeal.Handshake.NeutralVocabulary.Instance.Render(git));
        Assert.Equal("", CertHeal.Handshake.NeutralVocabulary.Instance.Render(new RuntimeSteering()));
    }
}
