using System.Diagnostics;
using CertHeal.Discovery;

namespace CertHeal.Tests.Discovery;

/// <summary>Find-Keystore's engine over a real fixture tree, real child processes, and this machine's real layout.</summary>
public sealed class FindKeystoreTests(DiscoveryFixture fixture) : IClassFixture<DiscoveryFixture>
{
    private (List<KeystoreLocation> Found, List<string> Verbose) Find(FindOptions? options = null, DiscoveryEnvironment? environment = null)
    {
        var verbose = new List<string>();
        var found = KeystoreFinder.Find(options ?? new FindOptions(), environment ?? fixture.Environment, verbose.Add);
        return (found, verbose);
    }

    private static KeystoreLocation At(IEnumerable<KeystoreLocation> found, string path) =>
        Assert.Single(found, l => l.Path == NativeReal(path));

    private static string NativeReal(string path) => RealMachine.Shell($"readlink -f '{path}'").Trim();

    [Fact]
    public void Both_fixture_JDKs_are_found_by_every_route_with_their_real_cacerts()
    {
        var (found, _) = Find();

        var a = At(found, Path.Combine(fixture.JdkA, "lib", "security", "cacerts"));
        Assert.Equal(KeystoreKind.JavaCacerts, a.Kind);
        Assert.Equal("Jks", a.Format);
        Assert.Equal("changeit", a.PasswordHint);
        Assert.Equal(fixture.SystemJdkEntries, a.EntryCount);
        Assert.True(a.Writable);
        Assert.Contains($"Java 17.0.99 (Fixture Vendor A) at {fixture.JdkA}", a.Consumer);
        Assert.Contains($"alternatives link {fixture.Alternatives}", a.FoundBy);
        Assert.Contains($"{Path.Combine(fixture.Root, "jvm")} scan", a.FoundBy);
        Assert.Equal([Path.Combine(fixture.JdkLink, "lib", "security", "cacerts")], a.SharedWith);

        var b = At(found, Path.Combine(fixture.JdkB, "lib", "security", "cacerts"));
        Assert.Equal("Pkcs12", b.Format);
        Assert.Equal("changeit", b.PasswordHint);
        Assert.Contains("JAVA_HOME", b.FoundBy);
        Assert.Contains($"Java 11.0.99 (Fixture Vendor B) at {fixture.JdkB}", b.Consumer);
        var jsse = At(found, Path.Combine(fixture.JdkB, "lib", "security", "jssecacerts"));
        Assert.Equal(KeystoreKind.JavaJsseCacerts, jsse.Kind);

        var shared = At(found, fixture.SharedJava);
        Assert.Equal(KeystoreKind.JavaCacerts, shared.Kind);
        Assert.Contains($"well-known location {fixture.SharedJava}", shared.FoundBy);
        Assert.DoesNotContain(found, l => l.Path.StartsWith("/usr/lib/jvm", StringComparison.Ordinal) || l.Path.StartsWith("/etc/", StringComparison.Ordinal));
    }

    [Fact]
    public void OS_bundles_folders_variables_pip_git_and_the_virtualenv_certifi_are_found_and_a_missing_one_is_a_verbose_line()
    {
        var (found, verbose) = Find();

        var bundle = At(found, fixture.OsBundle);
        Assert.Equal(KeystoreKind.SystemBundle, bundle.Kind);
        Assert.Equal("PemBundle", bundle.Format);
        Assert.Equal(int.Parse(RealMachine.Shell($"grep -c 'BEGIN CERTIFICATE' '{fixture.OsBundle}'").Trim(), System.Globalization.CultureInfo.InvariantCulture), bundle.EntryCount);
        Assert.Contains("environment variable SSL_CERT_FILE", bundle.FoundBy);
        Assert.Null(bundle.PasswordHint);
        Assert.Equal(KeystoreKind.SystemDirectory, At(found, fixture.OsFolder).Kind);
        Assert.Equal("Directory", At(found, fixture.LocalCas).Format);
        Assert.Equal(KeystoreKind.SystemSource, At(found, fixture.LocalCas).Kind);

        Assert.Contains("environment variable REQUESTS_CA_BUNDLE", At(found, Path.Combine(fixture.Bundles, "requests.pem")).FoundBy);
        Assert.Contains("environment variable CURL_CA_BUNDLE", At(found, Path.Combine(fixture.Bundles, "curl.pem")).FoundBy);
        var node = At(found, Path.Combine(fixture.Bundles, "node-extra.pem"));
        Assert.Equal(KeystoreKind.NodeExtraCaCerts, node.Kind);
        Assert.Contains($"pip config {Path.Combine(fixture.Root, "pip.conf")}", At(found, Path.Combine(fixture.Bundles, "pip.pem")).FoundBy);
        Assert.Contains("git config", At(found, Path.Combine(fixture.Bundles, "git.pem")).FoundBy);
        Assert.Contains(verbose, v => v.Contains("PIP_CERT") && v.Contains("missing.pem"));

        var certifi = At(found, fixture.CertifiBundle);
        Assert.Equal(KeystoreKind.Certifi, certifi.Kind);
        Assert.Equal(1, certifi.EntryCount);
        Assert.Contains(certifi.FoundBy, f => f.StartsWith("python3 on PATH (" + Path.Combine(fixture.Venv, "bin", "python3"), StringComparison.Ordinal));
        Assert.Contains(certifi.Consumer, c => c.StartsWith("Python 3.", StringComparison.Ordinal) && c.Contains(fixture.Venv));
    }

    [Fact]
    public void Path_scan_finds_the_virtualenv_and_an_app_truststore_by_content_and_reports_only_those()
    {
        var (found, verbose) = Find(new FindOptions { Paths = [Path.Combine(fixture.Root, "apps")] });

        var app = At(found, fixture.AppStore);
        Assert.Equal(KeystoreKind.Application, app.Kind);
        Assert.Equal("Pkcs12", app.Format);
        Assert.Null(app.PasswordHint); // its password is not a well-known default, and no other is ever shown
        Assert.Null(app.EntryCount);
        Assert.Contains(verbose, v => v.Contains(fixture.AppStore) && v.Contains("password"));
        var certifi = At(found, fixture.CertifiBundle);
        Assert.Contains($"virtualenv under {Path.Combine(fixture.Root, "apps")}", certifi.FoundBy);
        Assert.Equal(2, found.Count);

        var shallow = Find(new FindOptions { Paths = [Path.Combine(fixture.Root, "apps")], MaxDepth = 1 }).Found;
        Assert.DoesNotContain(shallow, l => l.Path == fixture.AppStore);

        var (direct, notes) = Find(new FindOptions { Paths = [fixture.OsBundle, Path.Combine(fixture.Root, "pip.conf"), Path.Combine(fixture.Root, "nowhere")] });
        Assert.Equal(KeystoreKind.Application, Assert.Single(direct).Kind);
        Assert.Contains(notes, n => n.Contains("pip.conf") && n.Contains("not a keystore"));
        Assert.Contains(notes, n => n.Contains("nowhere") && n.Contains("does not exist"));
    }

    [Fact]
    public async Task A_store_made_immutable_is_reported_not_writable_and_nothing_is_written()
    {
        var cacerts = Path.Combine(fixture.JdkB, "lib", "security", "cacerts");
        var before = File.ReadAllBytes(cacerts);
        var stamp = File.GetLastWriteTimeUtc(cacerts);
        Assert.Equal(0, (await Tools.RunAsync("chattr", ["+i", cacerts])).Code);
        try
        {
            var location = At(Find().Found, cacerts);
            Assert.False(location.Writable);
        }
        finally
        {
            await Tools.RunAsync("chattr", ["-i", cacerts]);
        }
        Assert.True(At(Find().Found, cacerts).Writable);
        Assert.Equal(before, File.ReadAllBytes(cacerts));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(cacerts));
    }

    [Fact]
    public async Task Processes_a_java_with_a_relative_trustStore_a_plain_java_and_a_sleep_with_JAVA_TOOL_OPTIONS_and_NODE_EXTRA_CA_CERTS()
    {
        var work = Directory.CreateTempSubdirectory("certheal-proc-").FullName;
        var sleeper = Path.Combine(work, "Sleep.java");
        File.WriteAllText(sleeper, "public class Sleep { public static void main(String[] a) throws Exception { Thread.sleep(300000); } }\n");
        var appStore = Path.Combine(work, "app-truststore.jks");
        File.Copy("/etc/ssl/certs/java/cacerts", appStore);
        var toolStore = Path.Combine(work, "tool-options.p12");
        File.Copy(Path.Combine(fixture.JdkB, "lib", "security", "cacerts"), toolStore);
        var nodeExtra = Path.Combine(work, "node-extra.pem");
        File.Copy(fixture.CertifiBundle, nodeExtra);
        var started = new List<Process>();
        Process Start(string file, IEnumerable<string> args, Dictionary<string, string>? environment = null)
        {
            var info = new ProcessStartInfo(file) { WorkingDirectory = work, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in args)
            {
                info.ArgumentList.Add(arg);
            }
            // This machine's own trust variables (SSL_CERT_FILE, ...) would be inherited: start from none, so each store found is one the test set.
            foreach (var inherited in new[] { "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "PIP_CERT", "NODE_EXTRA_CA_CERTS", "GIT_SSL_CAINFO", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS" })
            {
                info.Environment.Remove(inherited);
            }
            foreach (var (name, value) in environment ?? [])
            {
                info.Environment[name] = value;
            }
            info.Environment.Remove("JAVA_TOOL_OPTIONS");
            if (environment?.TryGetValue("JAVA_TOOL_OPTIONS", out var options) == true)
            {
                info.Environment["JAVA_TOOL_OPTIONS"] = options;
            }
            var process = Process.Start(info)!;
            started.Add(process);
            return process;
        }
        try
        {
            var javaWithStore = Start("java", ["-Djavax.net.ssl.trustStore=app-truststore.jks", "-Djavax.net.ssl.trustStoreType=JKS", "Sleep.java", "-Djavax.net.ssl.trustStore=a-program-argument.jks"]);
            var plainJava = Start("java", ["Sleep.java"]);
            var sleep = Start("sleep", ["300"], new Dictionary<string, string>
            {
                ["JAVA_TOOL_OPTIONS"] = $"-Xmx64m -Djavax.net.ssl.trustStore=\"{toolStore}\" -Djavax.net.ssl.trustStoreType=PKCS12",
                ["NODE_EXTRA_CA_CERTS"] = nodeExtra,
            });
            Thread.Sleep(300);

            var (found, _) = Find(new FindOptions { ProcessIds = [javaWithStore.Id, plainJava.Id, sleep.Id] }, DiscoveryEnvironment.FromMachine());

            var app = At(found, appStore);
            Assert.Equal(KeystoreKind.JavaTrustStore, app.Kind);
            Assert.Equal($"command line of process {javaWithStore.Id} (-Djavax.net.ssl.trustStore, type JKS)", Assert.Single(app.FoundBy));
            Assert.Contains(app.Consumer, c => c.StartsWith($"process {javaWithStore.Id} (java) on Java", StringComparison.Ordinal));
            Assert.Equal("changeit", app.PasswordHint);

            var jdk = At(found, DiscoveryFixture.SystemJdkCacerts());
            Assert.Equal(KeystoreKind.JavaCacerts, jdk.Kind);
            Assert.Contains($"the JDK process {plainJava.Id} runs (/proc/{plainJava.Id}/exe)", jdk.FoundBy);
            Assert.DoesNotContain(jdk.FoundBy, f => f.Contains($"process {javaWithStore.Id}"));

            var tool = At(found, toolStore);
            Assert.Equal(KeystoreKind.JavaTrustStore, tool.Kind);
            Assert.Equal($"environment variable JAVA_TOOL_OPTIONS of process {sleep.Id} (-Djavax.net.ssl.trustStore, type PKCS12)", Assert.Single(tool.FoundBy));
            Assert.Contains($"process {sleep.Id} (sleep) and the JVMs it starts", tool.Consumer);
            var node = At(found, nodeExtra);
            Assert.Equal(KeystoreKind.NodeExtraCaCerts, node.Kind);
            Assert.Equal($"environment variable NODE_EXTRA_CA_CERTS of process {sleep.Id}", Assert.Single(node.FoundBy));
            Assert.Equal(4, found.Count);

            var all = Find(new FindOptions { AllProcesses = true }, DiscoveryEnvironment.FromMachine()).Found;
            Assert.Contains(all, l => l.Path == NativeReal(toolStore));
            Assert.Contains(all, l => l.Path == NativeReal(appStore));
        }
        finally
        {
            foreach (var process in started)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
                process.Dispose();
            }
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public void A_process_that_does_not_exist_is_a_verbose_line_not_an_error()
    {
        var (found, verbose) = Find(new FindOptions { ProcessIds = [int.MaxValue - 7] }, DiscoveryEnvironment.FromMachine());

        Assert.Empty(found);
        Assert.Contains(verbose, v => v.Contains($"Process {int.MaxValue - 7}") && v.Contains("does not exist"));
    }

    [Fact]
    public async Task This_machine_s_real_layout_the_installed_JDK_and_the_Debian_bundles_is_reported()
    {
        var (found, _) = Find(environment: DiscoveryEnvironment.FromMachine());

        var javaReal = RealMachine.Shell("readlink -f \"$(command -v java)\"").Trim();
        var home = Path.GetDirectoryName(Path.GetDirectoryName(javaReal))!;
        var jdk = At(found, DiscoveryFixture.SystemJdkCacerts());
        Assert.Equal(KeystoreKind.JavaCacerts, jdk.Kind);
        Assert.Equal("changeit", jdk.PasswordHint);
        Assert.Equal(DiscoveryFixture.CountEntries(await Tools.RunAsync("keytool", ["-list", "-cacerts", "-storepass", "changeit"])), jdk.EntryCount);
        Assert.Contains(jdk.Consumer, c => c.EndsWith(" at " + home, StringComparison.Ordinal));
        Assert.Contains(jdk.FoundBy, f => f.StartsWith("java on PATH", StringComparison.Ordinal));
        Assert.Contains("/usr/lib/jvm scan", jdk.FoundBy);
        if (jdk.Path != Path.Combine(home, "lib", "security", "cacerts"))
        {
            Assert.Contains(Path.Combine(home, "lib", "security", "cacerts"), jdk.SharedWith); // Debian: the JDK's cacerts links to /etc/ssl/certs/java/cacerts
        }

        var bundle = At(found, "/etc/ssl/certs/ca-certificates.crt");
        Assert.Equal(KeystoreKind.SystemBundle, bundle.Kind);
        Assert.Contains("openssl version -d", bundle.FoundBy);
        Assert.Equal(int.Parse(RealMachine.Shell("grep -c 'BEGIN CERTIFICATE' /etc/ssl/certs/ca-certificates.crt").Trim(), System.Globalization.CultureInfo.InvariantCulture), bundle.EntryCount);
        Assert.Equal(KeystoreKind.SystemDirectory, At(found, "/etc/ssl/certs").Kind);
        Assert.Contains(found, l => l.Path == "/etc/ssl/certs/java/cacerts");
        if (Directory.Exists("/usr/local/share/ca-certificates"))
        {
            Assert.Equal(KeystoreKind.SystemSource, At(found, "/usr/local/share/ca-certificates").Kind);
        }
        // Whatever trust variables this machine sets (CI sets none; a dev box may set several) are each reported.
        foreach (var name in new[] { "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "PIP_CERT", "NODE_EXTRA_CA_CERTS", "GIT_SSL_CAINFO" })
        {
            if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } value && File.Exists(value))
            {
                Assert.Contains($"environment variable {name}", At(found, value).FoundBy);
            }
        }
        var certifi = RealMachine.Shell("python3 -c 'import certifi; print(certifi.where())' 2>/dev/null || true").Trim();
        if (certifi.Length > 0)
        {
            Assert.Equal(KeystoreKind.Certifi, At(found, certifi).Kind);
        }
    }

    [Fact]
    public async Task Cli_find_through_a_process_json_table_and_bad_input()
    {
        var scan = await CliProcess.RunAsync(["find", "--path", Path.Combine(fixture.Root, "apps"), "--json"]);
        var machine = await CliProcess.RunAsync(["find"]);
        var none = await CliProcess.RunAsync(["find", "--process-id", (int.MaxValue - 7).ToString(System.Globalization.CultureInfo.InvariantCulture), "--verbose"]);
        var bad = await CliProcess.RunAsync(["find", "--process-id", "java"]);

        Assert.True(scan.Code == 0, scan.Stderr);
        var json = System.Text.Json.JsonDocument.Parse(scan.Stdout).RootElement;
        Assert.Equal(2, json.GetArrayLength());
        var app = json.EnumerateArray().Single(e => e.GetProperty("Path").GetString() == fixture.AppStore);
        Assert.Equal("Application", app.GetProperty("Kind").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, app.GetProperty("PasswordHint").ValueKind);
        Assert.Contains(json.EnumerateArray(), e => e.GetProperty("Kind").GetString() == "Certifi");
        Assert.True(machine.Code == 0, machine.Stderr);
        Assert.Contains(DiscoveryFixture.SystemJdkCacerts(), machine.Stdout);
        Assert.Contains("JavaCacerts", machine.Stdout);
        Assert.Equal(1, none.Code);
        Assert.Contains("does not exist", none.Stderr);
        Assert.Equal(2, bad.Code);
        Assert.Equal("certheal: option '--process-id' must be a process id, not 'java'.", bad.Stderr.Trim());
    }
}
