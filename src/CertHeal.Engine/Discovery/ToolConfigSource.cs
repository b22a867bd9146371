namespace CertHeal.Discovery;

/// <summary>Trust stores configured in pip's config files (cert =) and git's config (http.sslCAInfo, also per URL).</summary>
internal sealed class ToolConfigSource : IKeystoreSource
{
    public IEnumerable<KeystoreCandidate> Find(DiscoveryContext context)
    {
        var env = context.Environment;
        foreach (var file in env.PipConfigFiles ?? PipConfigFiles(env))
        {
            if (PipCert(context, file) is { } cert)
            {
                yield return new KeystoreCandidate(cert, KeystoreKind.ConfiguredBundle, "pip (cert in its config)", $"pip config {file}");
            }
        }
        var git = env.Git ?? env.OnPath("git").FirstOrDefault();
        if (git is null)
        {
            yield break;
        }
        var answer = ToolRunner.Run(context, git, "config", "--get-regexp", @"^http\..*sslcainfo$");
        foreach (var line in (answer ?? "").Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var space = line.IndexOf(' ');
            if (space <= 0)
            {
                continue;
            }
            var key = line[..space];
            var value = Expand(line[(space + 1)..].Trim(), env.Home);
            if (File.Exists(value))
            {
                yield return new KeystoreCandidate(Path.GetFullPath(value), KeystoreKind.ConfiguredBundle, $"git ({key})", "git config");
            }
            else
            {
                context.Skip($"git config {key} names '{value}', which does not exist; skipped.");
            }
        }
    }

    /// <summary>The files pip reads, in its order: site-wide, per user, PIP_CONFIG_FILE.</summary>
    internal static IEnumerable<string> PipConfigFiles(DiscoveryEnvironment env)
    {
        if (OperatingSystem.IsWindows())
        {
            yield return Path.Combine(env.Get("ProgramData") ?? @"C:\ProgramData", "pip", "pip.ini");
            yield return Path.Combine(env.Get("APPDATA") ?? Path.Combine(env.Home, "AppData", "Roaming"), "pip", "pip.ini");
            yield return Path.Combine(env.Home, "pip", "pip.ini");
        }
        else
        {
            foreach (var dir in (env.Get("XDG_CONFIG_DIRS") ?? "/etc/xdg").Split(':', StringSplitOptions.RemoveEmptyEntries))
            {
                yield return Path.Combine(dir, "pip", "pip.conf");
            }
            yield return "/etc/pip.conf";
            yield return Path.Combine(env.Home, ".pip", "pip.conf");
            yield return Path.Combine(env.Get("XDG_CONFIG_HOME") ?? Path.Combine(env.Home, ".config"), "pip", "pip.conf");
        }
        if (env.Get("PIP_CONFIG_FILE") is { } explicitFile)
        {
            yield return explicitFile;
        }
    }

    /// <summary>The cert = value of the [global], [install] or [download] section of one pip config file.</summary>
    internal static string? PipCert(DiscoveryContext context, string file)
    {
        if (!File.Exists(file))
        {
            return null;
        }
        try
        {
            string? section = null;
            foreach (var raw in File.ReadLines(file).Take(10_000))
            {
                var line = raw.Trim();
                if (line.StartsWith('[') && line.EndsWith(']'))
                {
                    section = line[1..^1].Trim().ToLowerInvariant();
                    continue;
                }
                var eq = line.IndexOfAny(['=', ':']);
                if (eq > 0 && section is "global" or "install" or "download" && line[..eq].Trim().Equals("cert", StringComparison.OrdinalIgnoreCase))
                {
                    var value = Expand(line[(eq + 1)..].Trim(), context.Environment.Home);
                    if (File.Exists(value) || Directory.Exists(value))
                    {
                        return Path.GetFullPath(value);
                    }
                    context.Skip($"pip config '{file}' names cert '{value}', which does not exist; skipped.");
                    return null;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            context.Skip($"Could not read pip config '{file}' ({e.Message.TrimEnd('.')}); skipped.");
        }
        return null;
    }

    private static string Expand(string value, string home) => value.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(home, value[2..]) : value;
}
