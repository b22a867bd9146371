using System.Text.RegularExpressions;
using CertHeal.Handshake;
using CertHeal.Keystores;

namespace CertHeal.Discovery;

/// <summary>What the steerer knows about one process.</summary>
internal sealed record SteeringSubject(
    int ProcessId,
    string Name,
    SteeringRuntime Runtime,
    string? Executable,
    string[] Arguments,
    IReadOnlyDictionary<string, string> Environment,
    string WorkingDirectory,
    string? JavaStore = null,
    string? JavaStoreOrigin = null);

/// <summary>
/// Picks, per runtime, the smallest switch that makes a process's runtime read the healed store
/// (the store CertHeal merges into for it): -SteerTo when given, else the per-user default
/// keystore for the PEM readers and, for a JVM, the store it already reads (healed in place).
/// Each rule follows what the runtime really reads; a runtime that already reads the store, or
/// cannot read its format, gets a None decision with the reason.
/// </summary>
internal static partial class RuntimeSteerer
{
    private const int MaxScriptBytes = 1024 * 1024;

    /// <param name="versions">Node versions already asked, by executable: -AllProcesses runs each node binary once, not once per process.</param>
    public static List<RuntimeSteering> Steer(DiscoveryContext context, SteeringSubject subject, string? steerTo, IHostVocabulary words, Dictionary<string, Version?> versions)
    {
        var healed = subject.Runtime == SteeringRuntime.Java ? steerTo ?? subject.JavaStore : steerTo ?? KeystoreMerger.DefaultKeystorePath();
        List<RuntimeSteering> decisions;
        if (healed is null)
        {
            decisions = [None(subject, "", $"process {subject.ProcessId} ({subject.Name}) runs a JVM whose trust store was not found; name the store to steer it to.")];
        }
        else
        {
            healed = NativePaths.RealPath(Path.GetFullPath(healed));
            decisions = subject.Runtime switch
            {
                SteeringRuntime.Java => [Java(subject, healed)],
                SteeringRuntime.Node => [Node(context, subject, healed, versions)],
                SteeringRuntime.Python => Python(context, subject, healed),
                SteeringRuntime.Git => [Git(context, subject, healed)],
                _ => [OpenSslFile(context, subject, healed, "openssl reads its CA file from SSL_CERT_FILE, which replaces its default bundle")],
            };
        }
        foreach (var decision in decisions)
        {
            decision.Command = decision.Kind == SteeringKind.None ? "" : words.Render(decision);
        }
        return decisions;
    }

    private static RuntimeSteering Java(SteeringSubject subject, string healed)
    {
        if (subject.JavaStore is { } current && SamePath(current, healed))
        {
            return None(subject, healed, $"The JVM already reads '{healed}': merge into it; no switch is needed.");
        }
        if (FormatOf(healed) is not (KeystoreFormat.Jks or KeystoreFormat.Pkcs12))
        {
            var inPlace = subject.JavaStore is { } own ? $"heal '{own}' in place, or " : "";
            return None(subject, healed, $"Java reads only JKS and PKCS#12 trust stores, not '{healed}': {inPlace}name a JKS or PKCS#12 store to steer it to.");
        }
        var reason = $"javax.net.ssl.trustStore replaces the JDK's cacerts for this JVM; JAVA_TOOL_OPTIONS gives it to the process's next start without touching its command line. "
            + "No trustStoreType or password: Java 9 and later tell JKS from PKCS#12 by content and read trusted certificates without the password.";
        if (Get(subject, SteeringText.JavaToolOptions) is { } options)
        {
            // Setting the variable replaces it whole; a later -D in it wins over an earlier one, so appending is enough.
            reason += $" Its JAVA_TOOL_OPTIONS already holds '{options}': append the property to that rather than replace it.";
        }
        if (subject.JavaStoreOrigin is { } origin && !origin.Contains("JAVA_TOOL_OPTIONS", StringComparison.Ordinal))
        {
            reason += $" Its {origin} sets the property too and wins over JAVA_TOOL_OPTIONS: change it there instead.";
        }
        return Switch(subject, SteeringKind.JvmProperty, "javax.net.ssl.trustStore", healed, healed, reason);
    }

    private static RuntimeSteering Node(DiscoveryContext context, SteeringSubject subject, string healed, Dictionary<string, Version?> versions)
    {
        if (Get(subject, "NODE_EXTRA_CA_CERTS") is { } extra && SamePath(Path.GetFullPath(extra, subject.WorkingDirectory), healed))
        {
            return None(subject, healed, $"Node already adds '{healed}' to its roots (NODE_EXTRA_CA_CERTS).");
        }
        if (FormatOf(healed) is not KeystoreFormat.PemBundle)
        {
            return None(subject, healed, $"Node reads extra roots only from a PEM file, not '{healed}': name a PEM bundle to steer it to.");
        }
        Version? version = null;
        if (subject.Executable is { } exe && !versions.TryGetValue(exe, out version))
        {
            versions[exe] = version = ProcessRuntime.NodeVersion(context, exe);
        }
        var versionText = version is null ? null : $"{version.Major}.{version.Minor}.{Math.Max(version.Build, 0)}";
        if (IsSystemBundle(context, healed) && version is not null && ProcessRuntime.KnowsUseSystemCa(version))
        {
            if (Get(subject, "NODE_USE_SYSTEM_CA") == "1")
            {
                return None(subject, healed, $"Node {versionText} already reads the OS bundle '{healed}' (NODE_USE_SYSTEM_CA=1).", versionText);
            }
            return Switch(subject, SteeringKind.EnvironmentVariable, "NODE_USE_SYSTEM_CA", "1", healed,
                $"Node {versionText} reads the OS store, on Linux '{healed}', beside its built-in roots when NODE_USE_SYSTEM_CA=1 (Node 22.19+ and 24.6+).", versionText);
        }
        var why = version is null ? "its version could not be read, and " : IsSystemBundle(context, healed) ? $"Node {versionText} has no NODE_USE_SYSTEM_CA (22.19+ and 24.6+), and " : "";
        var replaces = Get(subject, "NODE_EXTRA_CA_CERTS") is { } other ? $" It replaces NODE_EXTRA_CA_CERTS='{other}': merge that file into the healed store first." : "";
        return Switch(subject, SteeringKind.EnvironmentVariable, "NODE_EXTRA_CA_CERTS", healed, healed,
            $"{Capitalized(why)}NODE_EXTRA_CA_CERTS adds the PEM bundle's certificates to Node's built-in roots (read once, at start).{replaces}", versionText);
    }

    private static List<RuntimeSteering> Python(DiscoveryContext context, SteeringSubject subject, string healed)
    {
        var (requests, stdlib, script) = Imports(subject);
        var both = !requests && !stdlib;
        var decisions = new List<RuntimeSteering>();
        var preface = both
            ? (script is null ? "What the process imports is unknown (no script file on its command line)" : $"'{script}' imports neither requests nor the stdlib's TLS users")
                + ", and no single variable covers both: "
            : "";
        if (requests || both)
        {
            // requests takes REQUESTS_CA_BUNDLE, else CURL_CA_BUNDLE, else certifi.
            var variable = Get(subject, "REQUESTS_CA_BUNDLE") is not null ? "REQUESTS_CA_BUNDLE" : "CURL_CA_BUNDLE";
            var decision = Get(subject, variable) is { } bundle && SamePath(Path.GetFullPath(bundle, subject.WorkingDirectory), healed)
                ? None(subject, healed, $"requests already reads '{healed}' ({variable}).")
                : FormatOf(healed) is not KeystoreFormat.PemBundle
                    ? None(subject, healed, $"requests reads only a PEM bundle, not '{healed}': name a PEM bundle to steer it to.")
                    : Switch(subject, SteeringKind.EnvironmentVariable, "REQUESTS_CA_BUNDLE", healed, healed,
                        preface + (script is not null && requests ? $"'{script}' imports requests, which " : "requests ")
                        + "verifies against certifi's bundle unless REQUESTS_CA_BUNDLE names another, which then replaces certifi's roots.");
            decisions.Add(decision);
        }
        if (stdlib || both)
        {
            decisions.Add(OpenSslFile(context, subject, healed, preface + (script is not null && stdlib ? $"'{script}' uses the stdlib (ssl, urllib), which " : "the stdlib's ssl and urllib ")
                + "verify against OpenSSL's default bundle, replaced by SSL_CERT_FILE"));
        }
        return decisions;
    }

    private static RuntimeSteering Git(DiscoveryContext context, SteeringSubject subject, string healed)
    {
        if (Get(subject, "GIT_SSL_CAINFO") is { } info && SamePath(Path.GetFullPath(info, subject.WorkingDirectory), healed))
        {
            return None(subject, healed, $"git already reads '{healed}' (GIT_SSL_CAINFO).");
        }
        if (Get(subject, "GIT_SSL_CAINFO") is null && IsSystemBundle(context, healed))
        {
            return None(subject, healed, $"git reads the OS bundle '{healed}' unless told otherwise; merge into it.");
        }
        if (FormatOf(healed) is not KeystoreFormat.PemBundle)
        {
            return None(subject, healed, $"git reads only a PEM bundle, not '{healed}': name a PEM bundle to steer it to.");
        }
        return Switch(subject, SteeringKind.GitConfig, "http.sslCAInfo", healed, healed,
            "http.sslCAInfo in the user's global git configuration replaces the OS bundle for every HTTPS remote of this user (GIT_SSL_CAINFO does the same for one environment).");
    }

    /// <summary>SSL_CERT_FILE, which OpenSSL reads instead of its default CA file (the stdlib's ssl, openssl itself).</summary>
    private static RuntimeSteering OpenSslFile(DiscoveryContext context, SteeringSubject subject, string healed, string why)
    {
        if (Get(subject, "SSL_CERT_FILE") is { } file && SamePath(Path.GetFullPath(file, subject.WorkingDirectory), healed))
        {
            return None(subject, healed, $"It already reads '{healed}' (SSL_CERT_FILE).");
        }
        if (Get(subject, "SSL_CERT_FILE") is null && IsSystemBundle(context, healed))
        {
            return None(subject, healed, $"It reads OpenSSL's default bundle, which is '{healed}'; merge into it.");
        }
        if (FormatOf(healed) is not KeystoreFormat.PemBundle)
        {
            return None(subject, healed, $"OpenSSL reads only a PEM bundle, not '{healed}': name a PEM bundle to steer it to.");
        }
        return Switch(subject, SteeringKind.EnvironmentVariable, "SSL_CERT_FILE", healed, healed,
            Capitalized(why) + "; the bundle must then hold every root the process needs.");
    }

    /// <summary>
    /// What the script on a python command line imports, read from its source (bounded); -c, -m
    /// and stdin tell nothing, so both switches are given.
    /// </summary>
    private static (bool Requests, bool Stdlib, string? Script) Imports(SteeringSubject subject)
    {
        string? script = null;
        for (var i = 1; i < subject.Arguments.Length; i++)
        {
            var arg = subject.Arguments[i];
            if (arg is "-c" or "-m" or "-")
            {
                return (false, false, null);
            }
            if (arg is "-W" or "-X")
            {
                i++;
                continue;
            }
            if (!arg.StartsWith('-'))
            {
                script = Path.GetFullPath(arg, subject.WorkingDirectory);
                break;
            }
        }
        if (script is null || !File.Exists(script))
        {
            return (false, false, null);
        }
        try
        {
            using var reader = new StreamReader(script);
            var buffer = new char[MaxScriptBytes];
            var source = new string(buffer, 0, reader.ReadBlock(buffer, 0, buffer.Length));
            return (RequestsImport().IsMatch(source), StdlibImport().IsMatch(source), script);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (false, false, null);
        }
    }

    // "import a, b as c, requests" and "from requests import get": the module may follow others on an import line.
    [GeneratedRegex(@"^[ \t]*(?:import[ \t]+(?:[\w.]+(?:[ \t]+as[ \t]+\w+)?[ \t]*,[ \t]*)*|from[ \t]+)requests\b", RegexOptions.Multiline)]
    private static partial Regex RequestsImport();

    [GeneratedRegex(@"^[ \t]*(?:import[ \t]+(?:[\w.]+(?:[ \t]+as[ \t]+\w+)?[ \t]*,[ \t]*)*|from[ \t]+)(?:ssl|urllib|http\.client|smtplib|imaplib|poplib|ftplib|xmlrpc)\b", RegexOptions.Multiline)]
    private static partial Regex StdlibImport();

    private static string? Get(SteeringSubject subject, string name) =>
        subject.Environment.TryGetValue(name, out var value) && value.Trim().Length > 0 ? value.Trim() : null;

    private static bool IsSystemBundle(DiscoveryContext context, string healed) =>
        context.Environment.SystemBundles.Where(File.Exists).Any(b => SamePath(b, healed));

    private static bool SamePath(string a, string b) =>
        string.Equals(NativePaths.RealPath(Path.GetFullPath(a)), NativePaths.RealPath(Path.GetFullPath(b)), OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    /// <summary>The store's format from its content; from its name when it does not exist yet (Merge-Keystore creates it).</summary>
    private static KeystoreFormat? FormatOf(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                return KeystoreFormat.Directory;
            }
            if (File.Exists(path))
            {
                return KeystoreFormats.Detect(path);
            }
        }
        catch (Exception e) when (e is KeystoreException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".jks" or ".keystore" or ".truststore" => KeystoreFormat.Jks,
            ".p12" or ".pfx" => KeystoreFormat.Pkcs12,
            _ => KeystoreFormat.PemBundle,
        };
    }

    private static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private static RuntimeSteering None(SteeringSubject subject, string store, string reason, string? version = null) => new()
    {
        ProcessId = subject.ProcessId, Runtime = subject.Runtime, RuntimeVersion = version, Kind = SteeringKind.None, Store = store, Reason = reason,
    };

    private static RuntimeSteering Switch(SteeringSubject subject, SteeringKind kind, string name, string value, string store, string reason, string? version = null) => new()
    {
        ProcessId = subject.ProcessId, Runtime = subject.Runtime, RuntimeVersion = version, Kind = kind, Name = name, Value = value, Store = store, Reason = reason,
    };
}
