using CertHeal.Keystores;

namespace CertHeal.Discovery;

/// <summary>
/// NSS databases: each Firefox profile (from profiles.ini, and any profile folder holding
/// cert9.db, for the deb, snap and flatpak Firefox), Chromium's and Chrome's ~/.pki/nssdb (which
/// NSS tools share on Linux) and the system-wide /etc/pki/nssdb. Each is reported as `sql:DIR`,
/// the name NSS itself uses, so it can be piped to Merge-Keystore as it is.
/// </summary>
internal sealed class NssSource : IKeystoreSource
{
    private static readonly string[] FirefoxRoots =
    [
        Path.Combine(".mozilla", "firefox"),
        Path.Combine("snap", "firefox", "common", ".mozilla", "firefox"),
        Path.Combine(".var", "app", "org.mozilla.firefox", ".mozilla", "firefox"),
    ];

    public IEnumerable<KeystoreCandidate> Find(DiscoveryContext context)
    {
        var home = context.Environment.Home;
        foreach (var root in FirefoxRoots.Select(r => Path.Combine(home, r)).Where(Directory.Exists))
        {
            var named = ProfilesIni(context, root);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (folder, name) in named)
            {
                if (NssDatabase.IsDatabaseFolder(folder) && seen.Add(Path.GetFullPath(folder)))
                {
                    yield return Candidate(folder, $"Firefox profile {name}", $"profiles.ini in {root}");
                }
            }
            foreach (var folder in SafeFolders(context, root).Where(NssDatabase.IsDatabaseFolder).Where(f => seen.Add(Path.GetFullPath(f))))
            {
                yield return Candidate(folder, $"Firefox profile {Path.GetFileName(folder)}", $"profile folders in {root}");
            }
        }
        var pki = Path.Combine(home, ".pki", "nssdb");
        if (NssDatabase.IsDatabaseFolder(pki))
        {
            yield return Candidate(pki, "Chromium/Chrome, NSS tools (this user)", $"well-known location {pki}");
        }
        foreach (var system in context.Environment.NssSystemDatabases.Where(NssDatabase.IsDatabaseFolder))
        {
            yield return Candidate(system, "NSS tools and applications using the system NSS database", $"well-known location {system}");
        }
    }

    private static KeystoreCandidate Candidate(string folder, string consumer, string foundBy) =>
        new(NssDatabase.Prefix + Path.GetFullPath(folder), KeystoreKind.NssDatabase, consumer, foundBy);

    /// <summary>The profiles profiles.ini names ([ProfileN] Name=, Path=, IsRelative=), in file order.</summary>
    private static List<(string Folder, string Name)> ProfilesIni(DiscoveryContext context, string root)
    {
        var ini = Path.Combine(root, "profiles.ini");
        var profiles = new List<(string, string)>();
        if (!File.Exists(ini))
        {
            return profiles;
        }
        string[] lines;
        try
        {
            lines = File.ReadAllLines(ini);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            context.Skip($"Could not read '{ini}' ({e.Message.TrimEnd('.')}); its profiles are found by folder only.");
            return profiles;
        }
        var section = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        void Flush()
        {
            if (section.TryGetValue("Path", out var path) && path.Length > 0)
            {
                var relative = !section.TryGetValue("IsRelative", out var flag) || flag.Trim() != "0";
                var folder = relative ? Path.Combine(root, path) : path;
                profiles.Add((folder, section.TryGetValue("Name", out var name) && name.Length > 0 ? name : Path.GetFileName(folder)));
            }
            section.Clear();
        }
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.StartsWith('['))
            {
                Flush();
            }
            else if (line.IndexOf('=') is > 0 and var split)
            {
                section[line[..split].Trim()] = line[(split + 1)..].Trim();
            }
        }
        Flush();
        return profiles;
    }

    private static IEnumerable<string> SafeFolders(DiscoveryContext context, string root)
    {
        try
        {
            return Directory.GetDirectories(root).Order(StringComparer.Ordinal).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            context.Skip($"Could not list '{root}' ({e.Message.TrimEnd('.')}); skipped.");
            return [];
        }
    }
}
