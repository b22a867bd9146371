namespace CertHeal.Discovery;

/// <summary>
/// The OS trust stores: OpenSSL's own (asked with `openssl version -d`), the distributions'
/// bundles and hashed folders, the folders update-ca-certificates / update-ca-trust read
/// local CAs from, and on Windows the Root stores.
/// </summary>
internal sealed class OperatingSystemSource : IKeystoreSource
{
    private const string OsConsumer = "the OS CA bundle (OpenSSL, curl, git, Node.js, .NET)";

    public IEnumerable<KeystoreCandidate> Find(DiscoveryContext context)
    {
        var env = context.Environment;
        var openssl = env.OpenSsl ?? env.OnPath("openssl").FirstOrDefault();
        if (openssl is not null && ToolRunner.Run(context, openssl, "version", "-v", "-d") is { } answer)
        {
            var lines = answer.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var version = lines.FirstOrDefault(l => l.StartsWith("OpenSSL", StringComparison.Ordinal))?.Split(' ').Take(2) is { } parts ? string.Join(' ', parts) : "OpenSSL";
            var dir = lines.FirstOrDefault(l => l.StartsWith("OPENSSLDIR:", StringComparison.Ordinal))?["OPENSSLDIR:".Length..].Trim().Trim('"');
            if (!string.IsNullOrEmpty(dir))
            {
                var bundle = Path.Combine(dir, "cert.pem");
                var folder = Path.Combine(dir, "certs");
                if (File.Exists(bundle))
                {
                    yield return new KeystoreCandidate(bundle, KeystoreKind.SystemBundle, $"{version} default CA file (OPENSSLDIR {dir})", "openssl version -d");
                }
                if (Directory.Exists(folder))
                {
                    yield return new KeystoreCandidate(folder, KeystoreKind.SystemDirectory, $"{version} default CA folder (OPENSSLDIR {dir})", "openssl version -d");
                }
            }
        }
        foreach (var bundle in env.SystemBundles.Where(File.Exists))
        {
            yield return new KeystoreCandidate(bundle, KeystoreKind.SystemBundle, OsConsumer, $"well-known location {bundle}");
        }
        foreach (var folder in env.SystemDirectories.Where(Directory.Exists))
        {
            yield return new KeystoreCandidate(folder, KeystoreKind.SystemDirectory, "OpenSSL's hashed CA folder (CApath)", $"well-known location {folder}");
        }
        foreach (var folder in env.SystemSources.Where(Directory.Exists))
        {
            var tool = folder.Contains("ca-trust", StringComparison.Ordinal) ? "update-ca-trust" : "update-ca-certificates";
            yield return new KeystoreCandidate(folder, KeystoreKind.SystemSource, $"{tool} (local CAs it adds to the OS bundle)", $"well-known location {folder}");
        }
        if (env.WindowsStores)
        {
            yield return new KeystoreCandidate(@"Cert:\CurrentUser\Root", KeystoreKind.WindowsStore, "Windows (SChannel, .NET, browsers) for this user", "Windows certificate stores");
            yield return new KeystoreCandidate(@"Cert:\LocalMachine\Root", KeystoreKind.WindowsStore, "Windows (SChannel, .NET, browsers) for every user", "Windows certificate stores");
        }
    }
}
