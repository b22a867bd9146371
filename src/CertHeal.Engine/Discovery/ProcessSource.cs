using System.Text;

namespace CertHeal.Discovery;

/// <summary>
/// The stores running processes really use, from /proc/&lt;pid&gt;/cmdline, environ, exe and cwd
/// (Linux): -Djavax.net.ssl.trustStore (+Type) on the command line or in JAVA_TOOL_OPTIONS /
/// JDK_JAVA_OPTIONS / _JAVA_OPTIONS, else the JDK the process runs (its jssecacerts or
/// cacerts), and the trust variables of its environment. A process we may not read is skipped
/// with a verbose line.
/// </summary>
internal sealed class ProcessSource(IReadOnlyList<int> processIds, bool allProcesses, string? steerTo = null, Handshake.IHostVocabulary? words = null) : IKeystoreSource
{
    private const int MaxProcFileBytes = 1024 * 1024;
    private readonly Dictionary<string, Version?> _nodeVersions = new(StringComparer.Ordinal);

    public IEnumerable<KeystoreCandidate> Find(DiscoveryContext context)
    {
        var proc = context.Environment.ProcRoot;
        if (!Directory.Exists(proc))
        {
            context.Skip($"'{proc}' does not exist on this system, so processes cannot be inspected; skipped.");
            yield break;
        }
        var pids = processIds.ToList();
        if (allProcesses)
        {
            pids.AddRange(Directory.GetDirectories(proc).Select(Path.GetFileName).Select(n => int.TryParse(n, out var pid) ? pid : -1).Where(p => p > 0));
        }
        foreach (var pid in pids.Distinct())
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            foreach (var candidate in FromProcess(context, Path.Combine(proc, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)), pid, explicitPid: processIds.Contains(pid),
                steerTo, words ?? Handshake.NeutralVocabulary.Instance, _nodeVersions))
            {
                yield return candidate;
            }
        }
    }

    /// <summary>
    /// The stores one process reads, each carrying the switch that steers its runtime to the healed
    /// store; a known runtime that names no store file (Node's built-in roots, a Python on its
    /// defaults) is reported with the healed store, so the switch still reaches the caller.
    /// </summary>
    private static IEnumerable<KeystoreCandidate> FromProcess(DiscoveryContext context, string folder, int pid, bool explicitPid, string? steerTo, Handshake.IHostVocabulary words,
        Dictionary<string, Version?> nodeVersions)
    {
        var found = Stores(context, folder, pid, explicitPid, out var subject).ToList();
        if (subject is null)
        {
            return found;
        }
        var steering = RuntimeSteerer.Steer(context, subject, steerTo, words, nodeVersions);
        if (found.Count == 0 && steering.FirstOrDefault(s => s.Store.Length > 0) is { } first)
        {
            if (File.Exists(first.Store) || Directory.Exists(first.Store))
            {
                found.Add(new KeystoreCandidate(first.Store, KeystoreKind.ConfiguredBundle, $"process {pid} ({subject.Name}) once steered",
                    $"the store CertHeal heals for process {pid} ({subject.Name}), which it does not read yet"));
            }
            else
            {
                context.Skip($"Process {pid} ({subject.Name}): CertHeal heals into '{first.Store}', which does not exist yet; merge into it, then: "
                    + string.Join("; ", steering.Select(s => s.Kind == SteeringKind.None ? s.Reason : s.Command)));
            }
        }
        return found.Select(c => c with { Steering = steering });
    }

    private static List<KeystoreCandidate> Stores(DiscoveryContext context, string folder, int pid, bool explicitPid, out SteeringSubject? subject)
    {
        subject = null;
        var found = new List<KeystoreCandidate>();
        string[] arguments;
        Dictionary<string, string> environment;
        string cwd;
        try
        {
            arguments = ReadNulSeparated(Path.Combine(folder, "cmdline"));
            environment = ReadNulSeparated(Path.Combine(folder, "environ")).Select(v => v.Split('=', 2)).Where(p => p.Length == 2)
                .GroupBy(p => p[0], StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last()[1], StringComparer.Ordinal);
            cwd = NativePaths.RealPath(Path.Combine(folder, "cwd"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var message = $"Process {pid} cannot be inspected ({(e is FileNotFoundException or DirectoryNotFoundException ? "it does not exist" : e.Message.TrimEnd('.'))}); skipped.";
            context.Skip(message);
            return found;
        }
        var name = ReadName(folder) ?? (arguments.Length > 0 ? Path.GetFileName(arguments[0]) : "?");
        var consumer = $"process {pid} ({name})";
        var javaHome = Executable(folder) is { } exe && Path.GetFileNameWithoutExtension(exe) == "java" ? JavaRuntimes.HomeOfExecutable(exe) : null;
        // Later wins, as the JVM applies them: JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS, the command line, _JAVA_OPTIONS.
        var sources = new List<(string Origin, IEnumerable<string> Tokens)>
        {
            ($"environment variable JAVA_TOOL_OPTIONS of process {pid}", Tokens(environment.GetValueOrDefault("JAVA_TOOL_OPTIONS"))),
            ($"environment variable JDK_JAVA_OPTIONS of process {pid}", javaHome is null ? [] : Tokens(environment.GetValueOrDefault("JDK_JAVA_OPTIONS"))),
            ($"command line of process {pid}", javaHome is null ? [] : JvmOptions(arguments)),
            ($"environment variable _JAVA_OPTIONS of process {pid}", Tokens(environment.GetValueOrDefault("_JAVA_OPTIONS"))),
        };
        (string Value, string Origin)? trustStore = null;
        string? trustStoreType = null;
        foreach (var (origin, tokens) in sources)
        {
            foreach (var token in tokens)
            {
                if (token.StartsWith("-Djavax.net.ssl.trustStore=", StringComparison.Ordinal))
                {
                    trustStore = (token["-Djavax.net.ssl.trustStore=".Length..], origin);
                }
                else if (token.StartsWith("-Djavax.net.ssl.trustStoreType=", StringComparison.Ordinal))
                {
                    trustStoreType = token["-Djavax.net.ssl.trustStoreType=".Length..];
                }
            }
        }
        if (trustStore is { } store && store.Value is not ("" or "NONE"))
        {
            var path = Path.GetFullPath(store.Value, cwd);
            var how = $"{store.Origin} (-Djavax.net.ssl.trustStore{(trustStoreType is null ? "" : ", type " + trustStoreType)})";
            if (File.Exists(path))
            {
                found.Add(new KeystoreCandidate(path, KeystoreKind.JavaTrustStore, consumer + (javaHome is null ? " and the JVMs it starts" : $" on {JavaRuntimes.Describe(javaHome)}"), how));
            }
            else
            {
                context.Skip($"{how} names '{path}', which does not exist; skipped.");
            }
        }
        else if (javaHome is not null && JavaRuntimes.Effective(javaHome) is { } effective)
        {
            found.Add(new KeystoreCandidate(effective.Path, effective.Kind, $"{consumer} on {JavaRuntimes.Describe(javaHome)}", $"the JDK process {pid} runs ({folder}/exe)"));
        }
        found.AddRange(TrustVariables.Find(context, n => environment.GetValueOrDefault(n), cwd, $" in {consumer}", $" of process {pid}"));
        var executable = Executable(folder);
        if (ProcessRuntime.Of(executable) is { } runtime)
        {
            var javaStore = trustStore is { } named && named.Value is not ("" or "NONE") ? Path.GetFullPath(named.Value, cwd)
                : javaHome is not null ? JavaRuntimes.Effective(javaHome)?.Path : null;
            subject = new SteeringSubject(pid, name, runtime, executable, arguments, environment, cwd, javaStore, trustStore?.Origin);
            return found;
        }
        if (explicitPid && javaHome is null && trustStore is null && !TrustVariables.All.Any(v => environment.ContainsKey(v.Name)))
        {
            context.Skip($"Process {pid} ({name}) is not a JVM and names no trust store in its command line or environment; it uses the OS or its runtime's default stores.");
        }
        return found;
    }

    internal static string[] ReadNulSeparated(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = stream.Read(chunk)) > 0 && buffer.Length < MaxProcFileBytes)
        {
            buffer.Write(chunk, 0, read);
        }
        return Encoding.UTF8.GetString(buffer.ToArray()).Split('\0', StringSplitOptions.RemoveEmptyEntries);
    }

    internal static string? ReadName(string folder)
    {
        try
        {
            return File.ReadAllText(Path.Combine(folder, "comm")).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? Executable(string folder)
    {
        try
        {
            return new FileInfo(Path.Combine(folder, "exe")).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The launcher's own options: everything after the main class, -jar file, -m module or
    /// source file is the program's arguments, where a -D is not a system property.
    /// </summary>
    internal static IEnumerable<string> JvmOptions(string[] arguments)
    {
        string[] takesValue = ["-cp", "-classpath", "--class-path", "-p", "--module-path", "--upgrade-module-path", "--add-modules", "--add-opens",
            "--add-exports", "--add-reads", "--limit-modules", "--patch-module", "--enable-native-access", "--source"];
        for (var i = 1; i < arguments.Length; i++)
        {
            var arg = arguments[i];
            if (takesValue.Contains(arg))
            {
                i++;
                continue;
            }
            if (arg is "-jar" or "-m" or "--module" || !arg.StartsWith('-'))
            {
                yield break;
            }
            yield return arg;
        }
    }

    /// <summary>Splits JVM option variables as the JVM does: on whitespace, with quotes grouping.</summary>
    internal static IEnumerable<string> Tokens(string? options)
    {
        if (string.IsNullOrWhiteSpace(options))
        {
            yield break;
        }
        var current = new StringBuilder();
        char? quote = null;
        foreach (var c in options)
        {
            if (quote is not null)
            {
                if (c == quote)
                {
                    quote = null;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (current.Length > 0)
                {
                    yield return current.ToString();
                    current.Clear();
                }
            }
            else
            {
                current.Append(c);
            }
        }
        if (current.Length > 0)
        {
            yield return current.ToString();
        }
    }
}
