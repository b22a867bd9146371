using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace CertHeal.Discovery;

/// <summary>
/// Finds certificate validation switched off: in process environments and command lines, and in
/// the lines of shell and service files, scripts and client configuration. Read-only: files are
/// opened for reading only and never changed. Walks are bounded in depth, file count and file
/// size and never follow links to folders (no loops); what cannot be read, or vanishes while it is
/// read (a process that exits, a file deleted), is a verbose line, never an error. Findings stream
/// as they are found.
/// </summary>
public static class TlsBypassScanner
{
    private const int MaxText = 400;

    // Installed libraries are not the user's switch to remove; .git holds history (its config is read).
    private static readonly HashSet<string> SkippedFolders = new(StringComparer.Ordinal)
    {
        "node_modules", "site-packages", "dist-packages", "__pycache__", ".git", ".hg", ".svn",
    };

    // Kernel file systems: endless, and nothing in them is a file someone edited.
    private static readonly HashSet<string> SkippedRoots = new(StringComparer.Ordinal) { "/proc", "/sys", "/dev" };

    /// <summary>Whether a process with this id runs now: the hosts refuse an id that names none before scanning.</summary>
    internal static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <param name="progress">Called before each process and file is read: what, and how many were read before it.</param>
    public static IEnumerable<TlsBypass> Scan(BypassScanOptions options, DiscoveryEnvironment? environment = null, Action<string>? verbose = null,
        Action<string, int>? progress = null, CancellationToken cancellationToken = default)
    {
        var env = environment ?? DiscoveryEnvironment.FromMachine();
        var skip = verbose ?? (_ => { });
        var report = progress ?? ((_, _) => { });
        var targeted = options.ProcessIds.Count > 0 || options.AllProcesses || options.Paths.Count > 0;
        var pids = options.ProcessIds.ToList();
        if (options.AllProcesses || !targeted)
        {
            pids.AddRange(AllProcessIds(env, skip));
        }
        var done = 0;
        foreach (var pid in pids.Distinct())
        {
            cancellationToken.ThrowIfCancellationRequested();
            report($"process {pid}", done++);
            foreach (var found in InProcess(env, pid, options.ProcessIds.Contains(pid), skip))
            {
                yield return Heal(found, options);
            }
        }
        var files = options.Paths.Count > 0 ? Walk(options, skip, cancellationToken) : targeted ? [] : WellKnownFiles(env, skip);
        foreach (var file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            report(file, done++);
            foreach (var found in InFile(file, options.MaxFileBytes, skip))
            {
                yield return Heal(found, options);
            }
        }
    }

    private static TlsBypass Heal(TlsBypass found, BypassScanOptions options)
    {
        found.Remedy = new Remedy
        {
            Kind = found.Endpoint is null ? RemedyKind.RemoveBypass : RemedyKind.TestPinAndRemoveBypass,
            Location = found.Path ?? found.Location,
            Line = found.Line,
            Setting = found.Setting,
            Probe = found.Endpoint is { } endpoint ? BypassEndpoint.Probe(endpoint) : new ProbeSettings(),
        };
        found.Recommendation = options.Vocabulary.Render(found.Remedy);
        return found;
    }

    private static IEnumerable<int> AllProcessIds(DiscoveryEnvironment env, Action<string> skip)
    {
        try
        {
            return Directory.GetDirectories(env.ProcRoot).Select(Path.GetFileName)
                .Select(n => int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : -1).Where(p => p > 0).Order().ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            skip($"'{env.ProcRoot}' cannot be listed on this system ({e.Message.TrimEnd('.')}), so process environments cannot be read; skipped.");
            return [];
        }
    }

    private static List<TlsBypass> InProcess(DiscoveryEnvironment env, int pid, bool named, Action<string> skip)
    {
        var folder = Path.Combine(env.ProcRoot, pid.ToString(CultureInfo.InvariantCulture));
        string[] arguments, variables;
        try
        {
            arguments = ProcessSource.ReadNulSeparated(Path.Combine(folder, "cmdline"));
            variables = ProcessSource.ReadNulSeparated(Path.Combine(folder, "environ"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Also the race of a process that exits between the listing and the read.
            skip($"Process {pid} cannot be read ({(e is FileNotFoundException or DirectoryNotFoundException ? "it does not exist" : e.Message.TrimEnd('.'))}); skipped.");
            return [];
        }
        var name = ProcessSource.ReadName(folder) ?? (arguments.Length > 0 ? Path.GetFileName(arguments[0]) : "?");
        var location = $"process {pid} ({name})";
        var commandLine = string.Join(' ', arguments);
        var found = new List<TlsBypass>();
        TlsBypass Finding(TlsBypassKind kind, string client, string setting, string text, string? endpoint) => new()
        {
            Location = location, ProcessId = pid, Kind = kind, Client = client, Setting = Cut(setting), Text = Cut(BypassRedaction.Mask(text)), Endpoint = endpoint,
        };
        foreach (var entry in variables)
        {
            var parts = entry.Split('=', 2);
            foreach (var rule in TlsBypassRules.Environment)
            {
                if (parts.Length == 2 && rule.Name == parts[0] && rule.Disables(parts[1]) && !found.Any(f => f.Kind == rule.Kind))
                {
                    var endpoint = rule.Kind == TlsBypassKind.PipTrustedHost
                        ? BypassEndpoint.OfHost(parts[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0])
                        : BypassEndpoint.In(commandLine); // the URL the process was started with is what the switch serves
                    found.Add(Finding(rule.Kind, rule.Client, entry, entry, endpoint));
                }
            }
        }
        // The command line as one line: curl -k, wget --no-check-certificate, git -c http.sslVerify=false, sh -c '... export X=0 ...'.
        foreach (var rule in TlsBypassRules.Lines.Where(r => r.Only is null))
        {
            if (!found.Any(f => f.Kind == rule.Kind) && Match(rule.Pattern, commandLine) is { } match)
            {
                found.Add(Finding(rule.Kind, rule.Client, match.Groups["setting"].Value, commandLine, EndpointOf(match, commandLine)));
            }
        }
        if (named && found.Count == 0)
        {
            skip($"Process {pid} ({name}) switches no validation off in its environment or command line.");
        }
        return found;
    }

    private static IEnumerable<string> Walk(BypassScanOptions options, Action<string> skip, CancellationToken cancellationToken)
    {
        var files = 0;
        var visited = new HashSet<string>(StringComparer.Ordinal);
        // A file named and also under a named folder is read once: one finding per switch.
        var read = new HashSet<string>(StringComparer.Ordinal);
        foreach (var root in options.Paths.Select(r => Path.GetFullPath(r)))
        {
            if (File.Exists(root))
            {
                // A file named directly is read whatever its kind.
                if (!read.Add(root))
                {
                    continue;
                }
                if (++files > options.MaxFiles)
                {
                    skip($"The scan stopped after {options.MaxFiles} files; name a smaller folder.");
                    yield break;
                }
                yield return root;
                continue;
            }
            if (!Directory.Exists(root))
            {
                skip($"The path '{root}' does not exist; skipped.");
                continue;
            }
            var queue = new Queue<(string Folder, int Depth)>([(root, 0)]);
            while (queue.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (folder, depth) = queue.Dequeue();
                if (!visited.Add(folder))
                {
                    continue; // roots that overlap
                }
                string[] entries, subfolders;
                try
                {
                    entries = Directory.GetFiles(folder);
                    subfolders = Directory.GetDirectories(folder);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    skip($"Could not list '{folder}' ({e.Message.TrimEnd('.')}); skipped.");
                    continue;
                }
                var gitConfig = subfolders.Where(s => Path.GetFileName(s) == ".git").Select(s => Path.Combine(s, "config")).Where(File.Exists);
                foreach (var file in entries.Where(TlsBypassRules.IsScanned).Order(StringComparer.Ordinal).Concat(gitConfig).Where(read.Add))
                {
                    if (++files > options.MaxFiles)
                    {
                        skip($"The scan stopped after {options.MaxFiles} files; name a smaller folder.");
                        yield break;
                    }
                    yield return file;
                }
                if (depth >= options.MaxDepth)
                {
                    continue;
                }
                foreach (var sub in subfolders.Order(StringComparer.Ordinal))
                {
                    if (!SkippedFolders.Contains(Path.GetFileName(sub)) && !SkippedRoots.Contains(sub) && !IsLink(sub, skip))
                    {
                        queue.Enqueue((sub, depth + 1));
                    }
                }
            }
        }
    }

    private static bool IsLink(string folder, Action<string> skip)
    {
        try
        {
            return new DirectoryInfo(folder).LinkTarget is not null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            skip($"Could not inspect '{folder}' ({e.Message.TrimEnd('.')}); skipped.");
            return true;
        }
    }

    /// <summary>Where people leave validation switched off on a machine, for this user and system-wide.</summary>
    private static IEnumerable<string> WellKnownFiles(DiscoveryEnvironment env, Action<string> skip)
    {
        var home = env.Home;
        string[] named =
        [
            .. new[] { ".bashrc", ".bash_profile", ".bash_aliases", ".profile", ".zshrc", ".zprofile", ".zshenv", ".gitconfig", ".npmrc", ".curlrc", ".wgetrc" }
                .Select(n => Path.Combine(home, n)),
            Path.Combine(home, ".config", "git", "config"), Path.Combine(home, ".config", "pip", "pip.conf"), Path.Combine(home, ".pip", "pip.conf"),
            "/etc/environment", "/etc/profile", "/etc/bash.bashrc", "/etc/zsh/zshenv", "/etc/gitconfig", "/etc/npmrc", "/etc/pip.conf", "/etc/xdg/pip/pip.conf",
            "/etc/wgetrc",
        ];
        string[] folders = [Path.Combine(home, ".config", "powershell"), Path.Combine(home, ".config", "systemd", "user"), "/etc/profile.d", "/etc/systemd/system"];
        return named.Where(File.Exists).Concat(folders.Where(Directory.Exists).SelectMany(f => FilesUnder(f, skip)));
    }

    private static List<string> FilesUnder(string folder, Action<string> skip)
    {
        try
        {
            return [.. Directory.GetFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 2, IgnoreInaccessible = true })
                .Order(StringComparer.Ordinal)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            skip($"Could not list '{folder}' ({e.Message.TrimEnd('.')}); skipped.");
            return [];
        }
    }

    private static string? ReadText(string file, long maxBytes, Action<string> skip)
    {
        try
        {
            // The size first, without opening: FIFOs, devices and /proc files show 0 and would block or never end.
            var length = new FileInfo(file).Length;
            if (length == 0)
            {
                return null;
            }
            if (length > maxBytes)
            {
                skip($"'{file}' is larger than {maxBytes} bytes; skipped.");
                return null;
            }
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var bytes = new byte[length];
            var read = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            var content = bytes.AsSpan(0, read);
            if (content[..Math.Min(content.Length, 8192)].Contains((byte)0))
            {
                return null; // binary
            }
            return Encoding.UTF8.GetString(content).TrimStart('\uFEFF');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            skip($"Could not read '{file}' ({(e is FileNotFoundException or DirectoryNotFoundException ? "it no longer exists or is a broken link" : e.Message.TrimEnd('.'))}); skipped.");
            return null;
        }
    }

    private static List<TlsBypass> InFile(string file, long maxBytes, Action<string> skip)
    {
        if (ReadText(file, maxBytes, skip) is not { } text)
        {
            return [];
        }
        var kind = TlsBypassRules.KindOf(file);
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        var code = BypassComments.Strip(lines, kind);
        var found = new List<TlsBypass>();
        void Add(int index, BypassRule rule, string setting, string? endpoint)
        {
            if (!found.Any(f => f.Line == index + 1 && f.Kind == rule.Kind))
            {
                found.Add(new TlsBypass
                {
                    Location = file, Path = file, Line = index + 1, Kind = rule.Kind, Client = rule.Client, Setting = Cut(setting.Trim()),
                    Text = Cut(BypassRedaction.Mask(lines[index].Trim())), Endpoint = endpoint,
                });
            }
        }
        // npm's strict-ssl=false serves the registry the same file names.
        var fileEndpoint = kind == BypassFileKind.Npmrc
            ? code.Select(l => Match(TlsBypassRules.NpmRegistry, l)).FirstOrDefault(m => m is not null) is { } registry ? BypassEndpoint.In(registry.Groups["url"].Value) : null
            : null;
        var gitSection = (Http: false, Endpoint: (string?)null);
        for (var i = 0; i < code.Length; i++)
        {
            var line = code[i];
            if (kind == BypassFileKind.GitConfig && Match(TlsBypassRules.GitSection, line) is { } section)
            {
                // [http "https://git.example/"] names the endpoint of the keys below it.
                var url = section.Groups["sub"].Success ? section.Groups["sub"].Value : section.Groups["old"].Success ? section.Groups["old"].Value : null;
                gitSection = (section.Groups["name"].Value.Equals("http", StringComparison.OrdinalIgnoreCase), url is null ? null : BypassEndpoint.In(url));
                line = section.Groups["rest"].Value;
            }
            if (kind == BypassFileKind.GitConfig && gitSection.Http && Match(TlsBypassRules.GitKey.Pattern, line) is { } key)
            {
                Add(i, TlsBypassRules.GitKey, key.Groups["setting"].Value, gitSection.Endpoint);
            }
            foreach (var rule in TlsBypassRules.Lines)
            {
                if (rule.AppliesTo(kind) && Match(rule.Pattern, line) is { } match)
                {
                    var endpoint = EndpointOf(match, line);
                    if (endpoint is null && rule.Kind == TlsBypassKind.PipTrustedHost && !match.Groups["endpoint"].Success && i + 1 < code.Length
                        && code[i + 1] is [' ' or '\t', ..] continuation)
                    {
                        endpoint = BypassEndpoint.OfHost(continuation.Trim().Split(' ', '\t')[0]); // trusted-host =\n    pypi.example
                    }
                    Add(i, rule, match.Groups["setting"].Value, endpoint ?? (kind == BypassFileKind.GitConfig ? gitSection.Endpoint : fileEndpoint));
                }
            }
        }
        if (kind == BypassFileKind.Text)
        {
            foreach (var (index, variable, value) in YamlEnvironment(code))
            {
                if (TlsBypassRules.Environment.FirstOrDefault(r => r.Name == variable && r.Disables(value)) is { Name: not null } rule)
                {
                    var endpoint = rule.Kind == TlsBypassKind.PipTrustedHost ? BypassEndpoint.OfHost(value.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "") : null;
                    Add(index, new BypassRule(rule.Kind, rule.Client, TlsBypassRules.YamlEnvName), $"{variable}={value}", endpoint);
                }
            }
        }
        if (TlsBypassRules.JavaTrustAll.AppliesTo(kind))
        {
            var joined = string.Join('\n', code);
            try
            {
                foreach (Match match in TlsBypassRules.JavaTrustAll.Pattern.Matches(joined))
                {
                    Add(joined.AsSpan(0, match.Index).Count('\n'), TlsBypassRules.JavaTrustAll, "checkServerTrusted that accepts every certificate", null);
                }
            }
            catch (RegexMatchTimeoutException)
            {
                skip($"'{file}' could not be checked for trust-all managers in time; skipped.");
            }
        }
        return found;
    }

    /// <summary>Kubernetes' and Compose's two-line environment entries: `- name: X` with `value: "0"` on the next line.</summary>
    private static IEnumerable<(int Index, string Name, string Value)> YamlEnvironment(string[] code)
    {
        for (var i = 0; i + 1 < code.Length; i++)
        {
            if (Match(TlsBypassRules.YamlEnvName, code[i]) is { } name && Match(TlsBypassRules.YamlEnvValue, code[i + 1]) is { } value)
            {
                yield return (i, name.Groups["name"].Value, value.Groups["value"].Value);
            }
        }
    }

    private static Match? Match(Regex pattern, string text)
    {
        try
        {
            var match = pattern.Match(text);
            return match.Success ? match : null;
        }
        catch (RegexMatchTimeoutException)
        {
            return null; // a pathological line is not a finding
        }
    }

    private static string? EndpointOf(Match match, string text) =>
        match.Groups["endpoint"].Success ? BypassEndpoint.OfHost(match.Groups["endpoint"].Value) : BypassEndpoint.In(text);

    private static string Cut(string text) => text.Length <= MaxText ? text : text[..MaxText] + "…";
}
