namespace CertHeal.Discovery;

/// <summary>
/// certifi bundles (and pip's vendored copy) in the site-packages of each python3 on PATH, as
/// the interpreter itself reports them; virtual environments under -Path are found by their
/// pyvenv.cfg (<see cref="Virtualenv"/>), without running anything.
/// </summary>
internal sealed class PythonSource : IKeystoreSource
{
    private const string Script = "import sys, site, sysconfig\nprint(sys.prefix)\nprint('%d.%d.%d' % sys.version_info[:3])\n"
        + "paths = list(getattr(site, 'getsitepackages', lambda: [])())\npaths.append(sysconfig.get_paths()['purelib'])\n"
        + "try:\n    paths.append(site.getusersitepackages())\nexcept Exception:\n    pass\nfor p in paths:\n    print(p)\n";

    public IEnumerable<KeystoreCandidate> Find(DiscoveryContext context)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var python in context.Environment.OnPath("python3"))
        {
            var answer = ToolRunner.Run(context, python, "-c", Script);
            var lines = answer?.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? [];
            if (lines.Length < 2)
            {
                context.Skip($"'{python}' did not tell its site-packages; skipped.");
                continue;
            }
            if (!seen.Add(lines[0]))
            {
                continue; // the same interpreter again (a shim and its target)
            }
            var consumer = $"Python {lines[1]} at {lines[0]}";
            foreach (var candidate in Bundles(lines.Skip(2), consumer, $"python3 on PATH ({python})"))
            {
                yield return candidate;
            }
        }
    }

    /// <summary>The certifi bundles of a virtualenv folder (one with pyvenv.cfg).</summary>
    public static IEnumerable<KeystoreCandidate> Virtualenv(string venv, string foundBy)
    {
        var version = "";
        try
        {
            version = File.ReadLines(Path.Combine(venv, "pyvenv.cfg")).Take(50)
                .Select(l => l.Split('=', 2)).Where(p => p.Length == 2 && p[0].Trim() is "version" or "version_info")
                .Select(p => " " + p[1].Trim()).FirstOrDefault() ?? "";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The version is only for the Consumer text.
        }
        var sites = new List<string> { Path.Combine(venv, "Lib", "site-packages") };
        var lib = Path.Combine(venv, "lib");
        if (Directory.Exists(lib))
        {
            sites.AddRange(Directory.GetDirectories(lib, "python3*").Order(StringComparer.Ordinal).Select(d => Path.Combine(d, "site-packages")));
        }
        return Bundles(sites, $"Python{version} virtualenv at {venv}", foundBy);
    }

    private static IEnumerable<KeystoreCandidate> Bundles(IEnumerable<string> sitePackages, string consumer, string foundBy)
    {
        foreach (var site in sitePackages.Distinct().Where(Directory.Exists))
        {
            var certifi = Path.Combine(site, "certifi", "cacert.pem");
            if (File.Exists(certifi))
            {
                yield return new KeystoreCandidate(certifi, KeystoreKind.Certifi, $"{consumer} (certifi: requests, httpx, urllib3 users)", foundBy);
            }
            var vendored = Path.Combine(site, "pip", "_vendor", "certifi", "cacert.pem");
            if (File.Exists(vendored))
            {
                yield return new KeystoreCandidate(vendored, KeystoreKind.Certifi, $"{consumer} (pip's vendored certifi)", foundBy);
            }
        }
    }
}
