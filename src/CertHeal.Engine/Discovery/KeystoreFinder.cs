namespace CertHeal.Discovery;

/// <summary>
/// Find-Keystore and `certheal find`: asks every source, folds the claims about one real file
/// into one KeystoreLocation (consumers and ways found merged; link paths in SharedWith), and
/// inspects each store read-only. Nothing is written.
/// </summary>
public static class KeystoreFinder
{
    public static List<KeystoreLocation> Find(FindOptions options, DiscoveryEnvironment? environment = null, Action<string>? verbose = null,
        CancellationToken cancellationToken = default)
    {
        var context = new DiscoveryContext(environment ?? DiscoveryEnvironment.FromMachine(), verbose ?? (_ => { }), cancellationToken);
        var sources = new List<IKeystoreSource>();
        var targeted = options.ProcessIds.Count > 0 || options.AllProcesses || options.Paths.Count > 0;
        if (options.ProcessIds.Count > 0 || options.AllProcesses)
        {
            sources.Add(new ProcessSource(options.ProcessIds, options.AllProcesses, options.SteerTo, options.Vocabulary));
        }
        if (options.Paths.Count > 0)
        {
            sources.Add(new PathScanSource(options.Paths, options.MaxDepth));
        }
        if (!targeted || options.IncludeMachine)
        {
            sources.AddRange([new JavaSource(), new OperatingSystemSource(), new NssSource(), new EnvironmentSource(), new PythonSource(), new ToolConfigSource()]);
        }
        var groups = new List<(string Real, List<KeystoreCandidate> Claims)>();
        var byReal = new Dictionary<string, List<KeystoreCandidate>>(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        foreach (var source in sources)
        {
            foreach (var candidate in source.Find(context))
            {
                var real = Keystores.KeystoreFormats.IsWindowsStorePath(candidate.Path) ? candidate.Path
                    : Keystores.KeystoreFormats.IsNssPath(candidate.Path) ? Keystores.NssDatabase.Prefix + NativePaths.RealPath(Keystores.NssDatabase.FolderOf(candidate.Path))
                    : NativePaths.RealPath(candidate.Path);
                if (!byReal.TryGetValue(real, out var claims))
                {
                    byReal[real] = claims = [];
                    groups.Add((real, claims));
                }
                claims.Add(candidate);
            }
        }
        var found = new List<KeystoreLocation>();
        foreach (var (real, claims) in groups)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var location = new KeystoreLocation
            {
                Path = real,
                Kind = claims[0].Kind,
                Consumer = [.. claims.Select(c => c.Consumer).Distinct()],
                FoundBy = [.. claims.Select(c => c.FoundBy).Distinct()],
                SharedWith = [.. claims.Select(c => Keystores.KeystoreFormats.FullPath(c.Path)).Where(p => p != real).Distinct().Order(StringComparer.Ordinal)],
                Steering = [.. claims.SelectMany(c => c.Steering).Distinct()],
            };
            if (KeystoreInspector.Inspect(context, location, options.DefaultPasswords))
            {
                found.Add(location);
            }
        }
        return found;
    }
}
