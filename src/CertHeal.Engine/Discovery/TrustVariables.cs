namespace CertHeal.Discovery;

/// <summary>
/// The environment variables that name a trust store, and who reads each: one table for the
/// current environment and for a process's environment (/proc/pid/environ).
/// </summary>
internal static class TrustVariables
{
    public static readonly IReadOnlyList<(string Name, KeystoreKind Kind, string Consumer)> All =
    [
        ("SSL_CERT_FILE", KeystoreKind.ConfiguredBundle, "OpenSSL, curl, Python ssl and .NET (SSL_CERT_FILE)"),
        ("SSL_CERT_DIR", KeystoreKind.ConfiguredBundle, "OpenSSL and .NET (SSL_CERT_DIR)"),
        ("REQUESTS_CA_BUNDLE", KeystoreKind.ConfiguredBundle, "Python requests (REQUESTS_CA_BUNDLE)"),
        ("CURL_CA_BUNDLE", KeystoreKind.ConfiguredBundle, "curl and Python requests (CURL_CA_BUNDLE)"),
        ("PIP_CERT", KeystoreKind.ConfiguredBundle, "pip (PIP_CERT)"),
        ("NODE_EXTRA_CA_CERTS", KeystoreKind.NodeExtraCaCerts, "Node.js, added to its built-in roots (NODE_EXTRA_CA_CERTS)"),
        ("GIT_SSL_CAINFO", KeystoreKind.ConfiguredBundle, "git (GIT_SSL_CAINFO)"),
    ];

    /// <summary>Candidates from a set of variables; relative paths are taken from <paramref name="workingDirectory"/>.</summary>
    public static IEnumerable<KeystoreCandidate> Find(DiscoveryContext context, Func<string, string?> get, string workingDirectory, string consumerSuffix, string foundBySuffix)
    {
        foreach (var (name, kind, consumer) in All)
        {
            if (get(name) is not { } value || value.Trim().Length == 0)
            {
                continue;
            }
            // SSL_CERT_DIR is a list of folders, like PATH.
            var paths = name == "SSL_CERT_DIR" ? value.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries) : [value];
            foreach (var path in paths)
            {
                var full = Path.GetFullPath(path.Trim(), workingDirectory);
                if (File.Exists(full) || Directory.Exists(full))
                {
                    yield return new KeystoreCandidate(full, name == "SSL_CERT_DIR" ? KeystoreKind.SystemDirectory : kind, consumer + consumerSuffix, $"environment variable {name}{foundBySuffix}");
                }
                else
                {
                    context.Skip($"{name}{foundBySuffix} names '{full}', which does not exist; skipped.");
                }
            }
        }
    }
}

/// <summary>Trust stores named by this environment's variables (SSL_CERT_FILE, REQUESTS_CA_BUNDLE, NODE_EXTRA_CA_CERTS, ...).</summary>
internal sealed class EnvironmentSource : IKeystoreSource
{
    public IEnumerable<KeystoreCandidate> Find(DiscoveryContext context) =>
        TrustVariables.Find(context, context.Environment.Get, Environment.CurrentDirectory, "", "");
}
