namespace CertHeal.Discovery;

/// <summary>What a JDK/JRE home is and which trust stores it reads: shared by the Java provider and the process provider.</summary>
internal static class JavaRuntimes
{
    /// <summary>A folder with bin/java is a Java home.</summary>
    public static bool IsHome(string folder) =>
        File.Exists(Path.Combine(folder, "bin", "java")) || File.Exists(Path.Combine(folder, "bin", "java.exe"));

    /// <summary>The home a java executable belongs to (its real path, so /usr/bin/java leads to the JDK).</summary>
    public static string? HomeOfExecutable(string java)
    {
        var real = NativePaths.RealPath(java);
        var bin = Path.GetDirectoryName(real);
        var home = bin is null ? null : Path.GetDirectoryName(bin);
        return home is not null && Path.GetFileName(bin) == "bin" && IsHome(home) ? home : null;
    }

    /// <summary>"Java 17.0.15 (Debian) at /usr/lib/jvm/java-17-openjdk-amd64", from the home's release file.</summary>
    public static string Describe(string home)
    {
        string? version = null, vendor = null;
        try
        {
            var release = Path.Combine(home, "release");
            if (File.Exists(release))
            {
                foreach (var line in File.ReadLines(release).Take(100))
                {
                    var eq = line.IndexOf('=');
                    if (eq <= 0)
                    {
                        continue;
                    }
                    var value = line[(eq + 1)..].Trim().Trim('"');
                    switch (line[..eq].Trim())
                    {
                        case "JAVA_VERSION":
                            version = value;
                            break;
                        case "IMPLEMENTOR":
                            vendor = value;
                            break;
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The description is a courtesy; the home is still reported.
        }
        return $"Java{(version is null ? "" : " " + version)}{(vendor is null ? "" : $" ({vendor})")} at {home}";
    }

    /// <summary>cacerts and jssecacerts of a home (lib/security, or jre/lib/security for Java 8 JDKs), existing or not.</summary>
    public static IEnumerable<(string Path, KeystoreKind Kind)> Stores(string home)
    {
        foreach (var security in new[] { Path.Combine(home, "lib", "security"), Path.Combine(home, "jre", "lib", "security") })
        {
            yield return (Path.Combine(security, "jssecacerts"), KeystoreKind.JavaJsseCacerts);
            yield return (Path.Combine(security, "cacerts"), KeystoreKind.JavaCacerts);
        }
    }

    /// <summary>The store a JVM without -Djavax.net.ssl.trustStore uses: jssecacerts when it exists, else cacerts.</summary>
    public static (string Path, KeystoreKind Kind)? Effective(string home) =>
        Stores(home).Where(s => File.Exists(s.Path)).Select(s => ((string, KeystoreKind)?)s).FirstOrDefault();
}

/// <summary>
/// Every JDK/JRE: JAVA_HOME, each java on PATH (by its real path), the alternatives link, and the
/// homes under the usual roots; their cacerts and jssecacerts; the OS's shared Java cacerts.
/// </summary>
internal sealed class JavaSource : IKeystoreSource
{
    public IEnumerable<KeystoreCandidate> Find(DiscoveryContext context)
    {
        var env = context.Environment;
        var homes = new List<(string Home, string FoundBy)>();
        if (env.Get("JAVA_HOME") is { } javaHome)
        {
            if (JavaRuntimes.IsHome(javaHome))
            {
                homes.Add((javaHome, "JAVA_HOME"));
            }
            else
            {
                context.Skip($"JAVA_HOME '{javaHome}' has no bin/java; skipped.");
            }
        }
        foreach (var java in env.OnPath("java"))
        {
            if (JavaRuntimes.HomeOfExecutable(java) is { } home)
            {
                homes.Add((home, $"java on PATH ({java})"));
            }
        }
        if (env.JavaAlternativesLink is { } link && File.Exists(link) && JavaRuntimes.HomeOfExecutable(link) is { } alternative)
        {
            homes.Add((alternative, $"alternatives link {link}"));
        }
        foreach (var root in env.JavaRoots)
        {
            foreach (var folder in Subfolders(context, root))
            {
                foreach (var home in new[] { folder, Path.Combine(folder, "Contents", "Home") })
                {
                    if (JavaRuntimes.IsHome(home))
                    {
                        homes.Add((home, $"{root} scan"));
                    }
                }
            }
        }
        foreach (var (home, foundBy) in homes)
        {
            var consumer = JavaRuntimes.Describe(NativePaths.RealPath(home));
            foreach (var (store, kind) in JavaRuntimes.Stores(home))
            {
                if (File.Exists(store))
                {
                    yield return new KeystoreCandidate(store, kind, consumer, foundBy);
                }
            }
        }
        foreach (var shared in env.SharedJavaCacerts.Where(File.Exists))
        {
            yield return new KeystoreCandidate(shared, KeystoreKind.JavaCacerts, "the OS's Java runtimes (ca-certificates-java / ca-trust)", $"well-known location {shared}");
        }
    }

    private static IEnumerable<string> Subfolders(DiscoveryContext context, string root)
    {
        if (!Directory.Exists(root))
        {
            return [];
        }
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
