using CertHeal.Discovery;

namespace CertHeal.Tests.Discovery;

/// <summary>
/// Two JDKs' worth of real layout (the system JDK's real cacerts as JKS, Debian's cacerts turned
/// into PKCS#12 by keytool, a jssecacerts, a linked JDK folder, an alternatives link), a real
/// virtualenv with a certifi bundle, OS bundles, pip and git config, and trust variables, in a
/// temporary tree; <see cref="Environment"/> points every provider at it and nowhere else.
/// </summary>
public sealed class DiscoveryFixture : IAsyncLifetime
{
    public string Root { get; } = Directory.CreateTempSubdirectory("certheal-find-").FullName;
    public string JdkA => Path.Combine(Root, "jvm", "jdk-17-a");
    public string JdkB => Path.Combine(Root, "jvm", "jdk-11-b");
    public string JdkLink => Path.Combine(Root, "jvm", "jdk-17-link");
    public string Alternatives => Path.Combine(Root, "alternatives", "java");
    public string Venv => Path.Combine(Root, "apps", "venv");
    public string CertifiBundle { get; private set; } = "";
    public string SharedJava => Path.Combine(Root, "etc", "ssl", "certs", "java", "cacerts");
    public string OsBundle => Path.Combine(Root, "etc", "ssl", "certs", "ca-certificates.crt");
    public string OsFolder => Path.Combine(Root, "etc", "ssl", "certs");
    public string LocalCas => Path.Combine(Root, "usr", "local", "share", "ca-certificates");
    public string Bundles => Path.Combine(Root, "bundles");
    public string AppStore => Path.Combine(Root, "apps", "billing", "conf", "truststore.p12");
    public string Home => Path.Combine(Root, "home");
    public int SystemJdkEntries { get; private set; }
    public DiscoveryEnvironment Environment { get; private set; } = null!;

    /// <summary>The real file behind the system JDK's cacerts (on Debian a link to /etc/ssl/certs/java/cacerts).</summary>
    public static string SystemJdkCacerts()
    {
        var java = RealMachine.Shell("readlink -f \"$(command -v java)\"").Trim();
        return RealMachine.Shell($"readlink -f '{Path.GetDirectoryName(Path.GetDirectoryName(java))}/lib/security/cacerts'").Trim();
    }

    public async Task InitializeAsync()
    {
        var systemCacerts = SystemJdkCacerts();
        foreach (var dir in new[] { Path.Combine(JdkA, "bin"), Path.Combine(JdkA, "lib", "security"), Path.Combine(JdkB, "bin"), Path.Combine(JdkB, "lib", "security"),
            Path.GetDirectoryName(Alternatives)!, Path.GetDirectoryName(SharedJava)!, LocalCas, Bundles, Path.GetDirectoryName(AppStore)!, Home })
        {
            Directory.CreateDirectory(dir);
        }
        // JDK A: the system JDK's real cacerts (JKS), copied.
        File.Copy(systemCacerts, Path.Combine(JdkA, "lib", "security", "cacerts"));
        JavaHome(JdkA, "17.0.99", "Fixture Vendor A");
        // JDK B: Debian's cacerts as keytool's PKCS#12 (what JDK 9+ ships), plus a jssecacerts.
        var b = Path.Combine(JdkB, "lib", "security", "cacerts");
        var convert = await Tools.RunAsync("keytool", ["-importkeystore", "-noprompt", "-srckeystore", "/etc/ssl/certs/java/cacerts", "-srcstorepass", "changeit",
            "-destkeystore", b, "-deststoretype", "PKCS12", "-deststorepass", "changeit"], timeoutSeconds: 120);
        Assert.True(convert.Code == 0, convert.Stderr);
        File.Copy("/etc/ssl/certs/java/cacerts", Path.Combine(JdkB, "lib", "security", "jssecacerts"));
        JavaHome(JdkB, "11.0.99", "Fixture Vendor B");
        Directory.CreateSymbolicLink(JdkLink, JdkA);
        File.CreateSymbolicLink(Alternatives, Path.Combine(JdkA, "bin", "java"));
        File.Copy("/etc/ssl/certs/java/cacerts", SharedJava);
        File.Copy("/etc/ssl/certs/ca-certificates.crt", OsBundle);
        var someCa = Directory.GetFiles("/etc/ssl/certs", "*.pem").Order(StringComparer.Ordinal).First();
        File.Copy(someCa, Path.Combine(OsFolder, Path.GetFileName(someCa)));
        File.Copy(someCa, Path.Combine(LocalCas, "corp-root.crt"));
        foreach (var name in new[] { "requests.pem", "node-extra.pem", "pip.pem", "git.pem", "curl.pem" })
        {
            File.Copy(someCa, Path.Combine(Bundles, name));
        }
        File.WriteAllText(Path.Combine(Root, "pip.conf"), $"[global]\ntimeout = 60\ncert = {Path.Combine(Bundles, "pip.pem")}\n");
        File.WriteAllText(Path.Combine(Home, ".gitconfig"), $"[http]\n\tsslCAInfo = {Path.Combine(Bundles, "git.pem")}\n");
        // An app's own truststore shipped next to its jars, found by content (no telling extension).
        var app = await Tools.RunAsync("keytool", ["-importcert", "-noprompt", "-alias", "corp", "-file", someCa, "-keystore", AppStore, "-storetype", "PKCS12", "-storepass", "s3cret-app"]);
        Assert.True(app.Code == 0, app.Stderr);
        // A real virtualenv (no pip: nothing from the registry) with a certifi bundle made here.
        var venv = await Tools.RunAsync("python3", ["-m", "venv", "--without-pip", Venv], timeoutSeconds: 120);
        Assert.True(venv.Code == 0, venv.Stderr);
        var site = Directory.GetDirectories(Path.Combine(Venv, "lib"), "python3*").Single();
        Directory.CreateDirectory(Path.Combine(site, "site-packages", "certifi"));
        CertifiBundle = Path.Combine(site, "site-packages", "certifi", "cacert.pem");
        File.WriteAllText(CertifiBundle, "# certifi bundle made by the test\n" + File.ReadAllText(someCa));
        SystemJdkEntries = CountEntries(await Tools.RunAsync("keytool", ["-list", "-keystore", systemCacerts, "-storepass", "changeit"]));

        Environment = new DiscoveryEnvironment
        {
            Variables = new Dictionary<string, string>
            {
                ["PATH"] = Path.Combine(Venv, "bin"),
                ["HOME"] = Home,
                ["GIT_CONFIG_NOSYSTEM"] = "1",
                ["JAVA_HOME"] = JdkB,
                ["REQUESTS_CA_BUNDLE"] = Path.Combine(Bundles, "requests.pem"),
                ["NODE_EXTRA_CA_CERTS"] = Path.Combine(Bundles, "node-extra.pem"),
                ["CURL_CA_BUNDLE"] = Path.Combine(Bundles, "curl.pem"),
                ["SSL_CERT_FILE"] = OsBundle,
                ["PIP_CERT"] = Path.Combine(Root, "bundles", "missing.pem"),
            },
            Home = Home,
            JavaRoots = [Path.Combine(Root, "jvm")],
            JavaAlternativesLink = Alternatives,
            SharedJavaCacerts = [SharedJava],
            SystemBundles = [OsBundle],
            SystemDirectories = [OsFolder],
            SystemSources = [LocalCas],
            PipConfigFiles = [Path.Combine(Root, "pip.conf")],
            Git = RealMachine.Shell("command -v git").Trim(),
            OpenSsl = Path.Combine(Root, "no-openssl-here"),
        };
    }

    internal static int CountEntries((int Code, string Stdout, string Stderr) keytoolList)
    {
        Assert.True(keytoolList.Code == 0, keytoolList.Stderr);
        var match = System.Text.RegularExpressions.Regex.Match(keytoolList.Stdout, @"contains (\d+) entr");
        Assert.True(match.Success, keytoolList.Stdout);
        return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void JavaHome(string home, string version, string vendor)
    {
        // bin/java is a launcher script of the fixture (the real binary's link would lead discovery to the real JDK).
        var java = Path.Combine(home, "bin", "java");
        File.WriteAllText(java, "#!/bin/sh\nexec java \"$@\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(java, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        File.WriteAllText(Path.Combine(home, "release"), $"IMPLEMENTOR=\"{vendor}\"\nJAVA_VERSION=\"{version}\"\n");
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Root, recursive: true);
        return Task.CompletedTask;
    }
}
