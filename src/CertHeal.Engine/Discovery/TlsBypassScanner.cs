using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace CertHeal.Discovery;

/// <summary>
/// Finds certificate validation switched off: in process environments and command lines, and in
/// the lines of shell and service files, scripts and client configuration. Read-only: files are
/// opened for reading only (their modification times never change), and every walk is bounded
/// in depth, file count and file size.
/// </summary>
public static class TlsBypassScanner
{
    private const int MaxFiles = 200_000;
    private const long MaxFileBytes = 1024 * 1024;
    private const int MaxText = 400;

    // Installed libraries are not the user's switch to remove, and .git holds packed history.
    private static readonly HashSet<string> SkippedFolders = new(StringComparer.Ordinal)
    {
        "node_modules", "site-packages", "dist-packages", "__pycache__", ".git", "proc", "sys", "dev",
    };

    public static IEnumerable<TlsBypass> Scan(BypassScanOptions options, DiscoveryEnvironment? environment = null, Action<string>? verbose = null,
        CancellationToken cancellationToken = default)
    {
        var env = environment ?? DiscoveryEnvironment.FromMachine();
        var skip = verbose ?? (_ => { });
        var targeted = options.ProcessIds.Count > 0 || options.AllProcesses || options.Paths.Count > 0;
        var pids = options.ProcessIds.ToList();
        if (options.AllProcesses || !targeted)
        {
            pids.AddRange(AllProcessIds(env, skip));
        }
        foreach (var pid in pids.Distinct())
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var found in InProcess(env, pid, skip))
            {
                yield return found;
            }
        }
        var files = options.Paths.Count > 0 ? Walk(options.Paths, options.MaxDepth, skip, cancellationToken) : targeted ? [] : WellKnownFiles(env);
        foreach (var file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var found in InFile(file, skip))
            {
                yield return found;
            }
        }
    }

    private static IEnumerable<int> AllProcessIds(DiscoveryEnvironment env, Action<string> skip)
    {
        if (!Directory.Exists(env.ProcRoot))
        {
            skip($"'{env.ProcRoot}' does not exist on this system, so process environments cannot be read; skipped.");
            return [];
        }
        return Directory.GetDirectories(env.ProcRoot).Select(Path.GetFileName).Select(n => int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : -1)
            .Where(p => p > 0).Order();
    }

    private static List<TlsBypass> InProcess(DiscoveryEnvironment env, int pid, Action<string> skip)
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
            skip($"Process {pid} cannot be read ({(e is FileNotFoundException or DirectoryNotFoundException ? "it does not exist" : e.Message.TrimEnd('.'))}); skipped.");
            return [];
        }
        var name = ProcessSource.ReadName(folder) ?? (arguments.Length > 0 ? Path.GetFileName(arguments[0]) : "?");
        var location = $"process {pid} ({name})";
        var found = new List<TlsBypass>();
        foreach (var entry in variables)
        {
            var parts = entry.Split('=', 2);
            if (parts.Length == 2 && TlsBypassRules.Environment.FirstOrDefault(r => r.Name == parts[0]) is { Name: not null } rule && rule.Disables(parts[1]))
            {
                found.Add(new TlsBypass
                {
                    Location = location, ProcessId = pid, Kind = rule.Kind, Client = rule.Client, Setting = Cut(entry), Text = Cut(entry),
                    Endpoint = rule.Kind == TlsBypassKind.PipTrustedHost ? TlsBypassRules.EndpointOfHost(parts[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]) : null,
                });
            }
        }
        // The command line as one line: curl -k, wget --no-check-certificate, git -c http.sslVerify=false.
        var commandLine = string.Join(' ', arguments);
        foreach (var rule in TlsBypassRules.Lines.Where(r => r.AppliesTo(BypassFileKind.Text) && r.Kind is TlsBypassKind.CurlInsecure or TlsBypassKind.WgetNoCheckCertificate
            or TlsBypassKind.GitSslVerifyFalse or TlsBypassKind.PowerShellSkipCertificateCheck or TlsBypassKind.PipTrustedHost))
        {
            if (Match(rule.Pattern, commandLine) is { } match && !found.Any(f => f.Kind == rule.Kind))
            {
                found.Add(new TlsBypass
                {
                    Location = location, ProcessId = pid, Kind = rule.Kind, Client = rule.Client, Setting = match.Groups["setting"].Value, Text = Cut(commandLine),
                    Endpoint = EndpointOf(match, commandLine),
                });
            }
        }
        return found;
    }

    private static IEnumerable<string> Walk(IReadOnlyList<string> roots, int maxDepth, Action<string> skip, CancellationToken cancellationToken)
    {
        var files = 0;
        foreach (var root in roots.Select(r => Path.GetFullPath(r)))
        {
            if (File.Exists(root))
            {
                yield return root;
                continue;
            }
            if (!Directory.Exists(root))
            {
                skip($"'{root}' does not exist; skipped.");
                continue;
            }
            var queue = new Queue<(string Folder, int Depth)>([(root, 0)]);
            while (queue.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (folder, depth) = queue.Dequeue();
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
                foreach (var file in entries.Order(StringComparer.Ordinal))
                {
                    if (++files > MaxFiles)
                    {
                        skip($"The scan stopped after {MaxFiles} files; name a smaller folder.");
                        yield break;
                    }
                    yield return file;
                }
                foreach (var sub in subfolders.Order(StringComparer.Ordinal))
                {
                    if (Path.GetFileName(sub) == ".git" && File.Exists(Path.Combine(sub, "config")))
                    {
                        yield return Path.Combine(sub, "config");
                    }
                    else if (depth < maxDepth && !SkippedFolders.Contains(Path.GetFileName(sub)) && new DirectoryInfo(sub).LinkTarget is null)
                    {
                        queue.Enqueue((sub, depth + 1));
                    }
                }
            }
        }
    }

    /// <summary>Where people leave validation switched off on a machine, for this user and system-wide.</summary>
    private static IEnumerable<string> WellKnownFiles(DiscoveryEnvironment env)
    {
        var home = env.Home;
        string[] named =
        [
            Path.Combine(home, ".bashrc"), Path.Combine(home, ".profile"), Path.Combine(home, ".bash_profile"), Path.Combine(home, ".zshrc"),
            Path.Combine(home, ".gitconfig"), Path.Combine(home, ".config", "git", "config"), Path.Combine(home, ".npmrc"), Path.Combine(home, ".curlrc"),
            Path.Combine(home, ".wgetrc"), Path.Combine(home, ".config", "pip", "pip.conf"), Path.Combine(home, ".pip", "pip.conf"),
            "/etc/environment", "/etc/profile", "/etc/bash.bashrc", "/etc/gitconfig", "/etc/npmrc", "/etc/pip.conf", "/etc/xdg/pip/pip.conf", "/etc/wgetrc",
        ];
        var folders = new[] { Path.Combine(home, ".config", "powershell"), "/etc/profile.d", "/etc/systemd/system" };
        return named.Where(File.Exists).Concat(folders.Where(Directory.Exists).SelectMany(f => SafeFiles(f)));
    }

    private static IEnumerable<string> SafeFiles(string folder)
    {
        try
        {
            return Directory.GetFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 2, IgnoreInaccessible = true })
                .Order(StringComparer.Ordinal).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static List<TlsBypass> InFile(string file, Action<string> skip)
    {
        string text;
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (!stream.CanSeek || stream.Length > MaxFileBytes)
            {
                return [];
            }
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            if (bytes.AsSpan(0, Math.Min(bytes.Length, 8192)).Contains((byte)0))
            {
                return []; // binary
            }
            text = Encoding.UTF8.GetString(bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            skip($"Could not read '{file}' ({e.Message.TrimEnd('.')}); skipped.");
            return [];
        }
        var kind = TlsBypassRules.KindOf(file);
        var lines = text.Split('\n');
        var found = new List<TlsBypass>();
        string? section = null;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (kind == BypassFileKind.GitConfig && line.TrimStart().StartsWith('['))
            {
                section = line; // [http "https://git.example/"] names the endpoint of the lines below it
            }
            foreach (var rule in TlsBypassRules.Lines.Where(r => r.AppliesTo(kind)))
            {
                if (Match(rule.Pattern, line) is { } match && !found.Any(f => f.Line == i + 1 && f.Kind == rule.Kind))
                {
                    found.Add(FileFinding(file, i + 1, rule, match.Groups["setting"].Value, line, EndpointOf(match, line) ?? (section is null ? null : TlsBypassRules.EndpointIn(section))));
                }
            }
        }
        if (TlsBypassRules.JavaTrustAll.AppliesTo(kind))
        {
            foreach (var match in TlsBypassRules.JavaTrustAll.Pattern.Matches(text).Cast<System.Text.RegularExpressions.Match>())
            {
                var lineNumber = text.AsSpan(0, match.Index).Count('\n') + 1;
                found.Add(FileFinding(file, lineNumber, TlsBypassRules.JavaTrustAll, "checkServerTrusted { }", lines[lineNumber - 1].TrimEnd('\r'), null));
            }
        }
        return found;
    }

    private static TlsBypass FileFinding(string file, int line, BypassRule rule, string setting, string text, string? endpoint) => new()
    {
        Location = file, Path = file, Line = line, Kind = rule.Kind, Client = rule.Client, Setting = Cut(setting), Text = Cut(text.Trim()), Endpoint = endpoint,
    };

    private static System.Text.RegularExpressions.Match? Match(Regex pattern, string text)
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

    private static string? EndpointOf(System.Text.RegularExpressions.Match match, string text) =>
        match.Groups["endpoint"].Success ? TlsBypassRules.EndpointOfHost(match.Groups["endpoint"].Value) : TlsBypassRules.EndpointIn(text);

    private static string Cut(string text) => text.Length <= MaxText ? text : text[..MaxText] + "…";
}
