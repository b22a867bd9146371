namespace CertHeal.Discovery;

/// <summary>
/// Everything the discovery providers look at: environment variables, home, well-known roots
/// and the tools they may ask. <see cref="FromMachine"/> is the real machine; tests replace
/// any of it (a record, so `with { JavaRoots = [...] }`) to point providers at fixtures.
/// </summary>
public sealed record DiscoveryEnvironment
{
    public required IReadOnlyDictionary<string, string> Variables { get; init; }
    public required string Home { get; init; }

    /// <summary>Folders whose subfolders are JDK/JRE homes (/usr/lib/jvm, /opt, ~/.sdkman/candidates/java, ...).</summary>
    public IReadOnlyList<string> JavaRoots { get; init; } = [];

    /// <summary>The `java` link of update-alternatives.</summary>
    public string? JavaAlternativesLink { get; init; }

    /// <summary>Java cacerts files shared by the OS's JDKs (Debian's ca-certificates-java, RHEL's ca-trust).</summary>
    public IReadOnlyList<string> SharedJavaCacerts { get; init; } = [];

    public IReadOnlyList<string> SystemBundles { get; init; } = [];
    public IReadOnlyList<string> SystemDirectories { get; init; } = [];

    /// <summary>Where local CAs go for update-ca-certificates / update-ca-trust.</summary>
    public IReadOnlyList<string> SystemSources { get; init; } = [];

    /// <summary>The system-wide NSS databases (/etc/pki/nssdb); users' Firefox and Chromium databases are found under <see cref="Home"/>.</summary>
    public IReadOnlyList<string> NssSystemDatabases { get; init; } = [];

    /// <summary>pip configuration files (null: the ones pip itself reads, from <see cref="Variables"/> and <see cref="Home"/>).</summary>
    public IReadOnlyList<string>? PipConfigFiles { get; init; }

    /// <summary>openssl and git to ask (null: found on PATH).</summary>
    public string? OpenSsl { get; init; }
    public string? Git { get; init; }

    public string ProcRoot { get; init; } = "/proc";
    public bool WindowsStores { get; init; }

    /// <summary>Longest a tool (openssl, python3, git) may take to answer.</summary>
    public TimeSpan ToolTimeout { get; init; } = TimeSpan.FromSeconds(15);

    public string? Get(string name) => Variables.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value : null;

    /// <summary>Every file named <paramref name="name"/> in the PATH folders, in PATH order.</summary>
    public IEnumerable<string> OnPath(string name)
    {
        var names = OperatingSystem.IsWindows() ? new[] { name + ".exe", name } : [name];
        foreach (var folder in (Get("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var candidate in names)
            {
                var file = Path.Combine(folder, candidate);
                if (File.Exists(file))
                {
                    yield return file;
                    break;
                }
            }
        }
    }

    public static DiscoveryEnvironment FromMachine()
    {
        var variables = new Dictionary<string, string>(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            variables[(string)entry.Key] = entry.Value as string ?? "";
        }
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (OperatingSystem.IsWindows())
        {
            var programFiles = new[] { Environment.GetFolderPath(Environment.SpecialFolder.ProgramFiles), Environment.GetFolderPath(Environment.SpecialFolder.ProgramFilesX86) }
                .Where(p => p.Length > 0).Distinct();
            return new DiscoveryEnvironment
            {
                Variables = variables,
                Home = home,
                JavaRoots = [.. programFiles.SelectMany(p => new[] { "Java", "Eclipse Adoptium", "Microsoft", "Amazon Corretto", "Zulu", "BellSoft" }.Select(v => Path.Combine(p, v))),
                    Path.Combine(home, ".jdks")],
                WindowsStores = true,
            };
        }
        return new DiscoveryEnvironment
        {
            Variables = variables,
            Home = home,
            JavaRoots = ["/usr/lib/jvm", "/usr/java", "/opt", "/opt/java", "/usr/local/java", Path.Combine(home, ".sdkman", "candidates", "java"), Path.Combine(home, ".jdks"),
                "/Library/Java/JavaVirtualMachines"],
            JavaAlternativesLink = "/etc/alternatives/java",
            SharedJavaCacerts = ["/etc/ssl/certs/java/cacerts", "/etc/pki/ca-trust/extracted/java/cacerts", "/etc/pki/java/cacerts"],
            SystemBundles = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
                "/etc/ssl/ca-bundle.pem", "/etc/ssl/cert.pem"],
            SystemDirectories = ["/etc/ssl/certs", "/etc/pki/tls/certs"],
            SystemSources = ["/usr/local/share/ca-certificates", "/etc/pki/ca-trust/source/anchors"],
            NssSystemDatabases = ["/etc/pki/nssdb"],
        };
    }
}
