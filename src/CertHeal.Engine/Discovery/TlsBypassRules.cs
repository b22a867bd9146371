using System.Text.RegularExpressions;

namespace CertHeal.Discovery;

/// <summary>
/// The switches people leave behind when TLS breaks, as they appear in shell and service files,
/// scripts, configuration and process environments. Each rule is anchored on the switch itself
/// with the value that disables validation, so the enabling spelling (=1, true, :$false) and a
/// comparison (=== '0') never match. Rules run on code with comments blanked (BypassComments).
/// </summary>
internal static class TlsBypassRules
{
    private const RegexOptions Options = RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture;
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    private static Regex R(string pattern, RegexOptions extra = RegexOptions.None) => new(pattern, Options | extra, MatchTimeout);

    // Assignment in any syntax people use for variables: NAME=v, export NAME="v", Environment="NAME=v",
    // $env:NAME = 'v', os.environ['NAME'] = 'v', process.env.NAME = 'v', NAME: "v" (YAML), ENV NAME v (Dockerfile).
    // Not a read ($NAME, ${NAME:-x}) and not a comparison (NAME == '0').
    private static string Assigned(string name, string value) =>
        $$"""(?<![\w${])(?<setting>((?<=\bENV\s+){{name}}\s+["']?{{value}}|{{name}}["'\]]*\s*(=|:(?!=))\s*["']?{{value}}))""";

    /// <summary>Rules for one line of code; every kind of file (and a command line) gets those without Only.</summary>
    public static readonly BypassRule[] Lines =
    [
        new(TlsBypassKind.NodeTlsRejectUnauthorized, "Node.js", R(Assigned("NODE_TLS_REJECT_UNAUTHORIZED", "0") + """(?![\w.])""")),
        new(TlsBypassKind.PythonHttpsVerify, "Python", R(Assigned("PYTHONHTTPSVERIFY", "0") + """(?![\w.])""")),
        // git tests only that the variable exists, so any value (even "false") turns verification off.
        new(TlsBypassKind.GitSslNoVerify, "git", R(Assigned("GIT_SSL_NO_VERIFY", """[^\s"';]*"""))),
        new(TlsBypassKind.RequestsCaBundleEmpty, "Python requests", R(Assigned("(REQUESTS|CURL)_CA_BUNDLE", """(""|'')?""") + """(?=\s*($|[;)]))""")),
        new(TlsBypassKind.GitSslVerifyFalse, "git", R("""(?<setting>\bhttp(\.[^\s=]+)?\.sslverify(\s*=\s*|\s+)["']?(false|no|off|0))(?![\w.])""", RegexOptions.IgnoreCase)),
        new(TlsBypassKind.CurlInsecure, "curl", R("""\bcurl(\.exe)?\b[^|;&\n]*?\s(?<setting>--insecure|-[a-jl-zA-Z]*k[a-zA-Z]*)(?=\s|$|["'])""")),
        new(TlsBypassKind.CurlInsecure, "curl", R("""^\s*(?<setting>(--?)?insecure|-k)\s*$"""), [BypassFileKind.Curlrc]),
        new(TlsBypassKind.WgetNoCheckCertificate, "wget", R("""\bwget\b[^|;&\n]*?\s(?<setting>--no-check-certificate)\b""")),
        new(TlsBypassKind.WgetNoCheckCertificate, "wget", R("""^\s*(?<setting>check[_-]?certificate\s*=\s*(off|no|0|false))\s*$""", RegexOptions.IgnoreCase), [BypassFileKind.Wgetrc]),
        new(TlsBypassKind.PowerShellSkipCertificateCheck, "PowerShell", R("""(?<setting>-SkipCertificateCheck)\b(?!\s*:\s*\$false)""", RegexOptions.IgnoreCase)),
        new(TlsBypassKind.PowerShellSkipCertificateCheck, "PowerShell", R("""(?<![\w-])(?<setting>SkipCertificateCheck["'\]]*\s*=\s*\$true)\b""", RegexOptions.IgnoreCase), [BypassFileKind.PowerShell]),
        new(TlsBypassKind.PowerShellSkipCertificateCheck, "PowerShell",
            R("""(?<setting>ServerCertificateValidationCallback\s*=\s*\{\s*(return\s+)?\$true\s*;?\s*\})""", RegexOptions.IgnoreCase)),
        new(TlsBypassKind.NpmStrictSslFalse, "npm", R("""(?<setting>\bnpm\s+config\s+set\s+strict-ssl(\s+|=)["']?false|""" + Assigned("npm_config_strict_ssl", "false") + """)\b""", RegexOptions.IgnoreCase)),
        new(TlsBypassKind.NpmStrictSslFalse, "npm", R("""^\s*(?<setting>strict-ssl\s*=\s*["']?false["']?)\s*$"""), [BypassFileKind.Npmrc]),
        new(TlsBypassKind.PipTrustedHost, "pip", R("""(?<setting>--trusted-host(\s+|=)["']?(?<endpoint>[^\s'"]+)|""" + Assigned("PIP_TRUSTED_HOST", """(?<endpoint>[^\s'"]+)""") + ")")),
        // pip.conf: the value may start on the next, indented line.
        new(TlsBypassKind.PipTrustedHost, "pip", R("""^\s*(?<setting>trusted[-_]host\s*[=:]\s*(?<endpoint>\S+)?)"""), [BypassFileKind.PipConfig]),
        new(TlsBypassKind.PythonVerifyFalse, "Python",
            R("""(?<setting>\bverify\s*=\s*False\b|\bssl\._create_unverified_context\b|\b_create_unverified_https_context\b|(?<![=!<>])=\s*(ssl\.)?CERT_NONE\b)"""), [BypassFileKind.Python]),
        new(TlsBypassKind.NodeRejectUnauthorizedOption, "Node.js", R("""(?<setting>\brejectUnauthorized["']?\s*(:|=(?!=))\s*false)\b"""), [BypassFileKind.JavaScript]),
        new(TlsBypassKind.JavaTrustAllManager, "Java",
            R("""(?<setting>\bnew\s+TrustAllStrategy\s*\(|\bTrustAllStrategy\.INSTANCE\b|\bInsecureTrustManagerFactory\.INSTANCE\b)"""), [BypassFileKind.Java]),
    ];

    /// <summary>http.sslVerify as a key of a git configuration file's [http] section (git's booleans, any case).</summary>
    public static readonly BypassRule GitKey = new(TlsBypassKind.GitSslVerifyFalse, "git",
        R("""^\s*(?<setting>sslverify\s*=\s*["']?(false|no|off|0)["']?)\s*$""", RegexOptions.IgnoreCase), [BypassFileKind.GitConfig]);

    /// <summary>A git configuration section header: [http], [http "https://host/"], or the old [http.https://host/].</summary>
    public static readonly Regex GitSection = R("""^\s*\[\s*(?<name>[A-Za-z0-9.-]+?)(\.(?<old>[^\s\]]+))?(\s+"(?<sub>([^"\\]|\\.)*)")?\s*\]\s*(?<rest>.*)$""");

    /// <summary>npm's registry (scoped or not): the endpoint strict-ssl=false is for.</summary>
    public static readonly Regex NpmRegistry = R("""^\s*(@[\w.-]+:)?registry\s*=\s*["']?(?<url>\S+?)["']?\s*$""");

    /// <summary>A Kubernetes or Compose environment entry's name line (`- name: NODE_TLS_REJECT_UNAUTHORIZED`); its value is on the next line.</summary>
    public static readonly Regex YamlEnvName = R("""^\s*(-\s*)?name:\s*["']?(?<name>[A-Za-z_][A-Za-z0-9_]*)["']?\s*$""");

    /// <summary>The value line under <see cref="YamlEnvName"/>.</summary>
    public static readonly Regex YamlEnvValue = R("""^\s*value:\s*("(?<value>[^"]*)"|'(?<value>[^']*)'|(?<value>\S*))\s*$""");

    /// <summary>A trust manager that trusts everything: an empty checkServerTrusted (Java, or Kotlin's {} and = Unit), across lines.</summary>
    public static readonly BypassRule JavaTrustAll = new(TlsBypassKind.JavaTrustAllManager, "Java",
        R("""(?<setting>checkServerTrusted)\s*\([^)]*\)\s*(:\s*Unit\s*)?(=\s*Unit\b|(throws\s+[\w.,\s]+)?\{\s*(return\s*;?\s*)?\})""", RegexOptions.Singleline), [BypassFileKind.Java]);

    /// <summary>Environment entries of a running process that switch validation off.</summary>
    public static readonly IReadOnlyList<(string Name, Func<string, bool> Disables, TlsBypassKind Kind, string Client)> Environment =
    [
        ("NODE_TLS_REJECT_UNAUTHORIZED", v => v.Trim() == "0", TlsBypassKind.NodeTlsRejectUnauthorized, "Node.js"),
        ("PYTHONHTTPSVERIFY", v => v.Trim() == "0", TlsBypassKind.PythonHttpsVerify, "Python"),
        ("GIT_SSL_NO_VERIFY", _ => true, TlsBypassKind.GitSslNoVerify, "git"),
        ("REQUESTS_CA_BUNDLE", v => v.Length == 0, TlsBypassKind.RequestsCaBundleEmpty, "Python requests"),
        ("CURL_CA_BUNDLE", v => v.Length == 0, TlsBypassKind.RequestsCaBundleEmpty, "Python requests"),
        ("NPM_CONFIG_STRICT_SSL", v => v.Trim().Equals("false", StringComparison.OrdinalIgnoreCase), TlsBypassKind.NpmStrictSslFalse, "npm"),
        ("npm_config_strict_ssl", v => v.Trim().Equals("false", StringComparison.OrdinalIgnoreCase), TlsBypassKind.NpmStrictSslFalse, "npm"),
        ("PIP_TRUSTED_HOST", v => v.Trim().Length > 0, TlsBypassKind.PipTrustedHost, "pip"),
    ];

    // Documentation mentions the switches without setting them.
    private static readonly HashSet<string> Documentation = new(StringComparer.OrdinalIgnoreCase) { ".md", ".markdown", ".rst", ".adoc", ".html", ".htm" };

    /// <summary>False for files whose text only describes switches (documentation).</summary>
    public static bool IsScanned(string path) => !Documentation.Contains(System.IO.Path.GetExtension(path));

    public static BypassFileKind KindOf(string path)
    {
        var name = System.IO.Path.GetFileName(path);
        var extension = System.IO.Path.GetExtension(path).ToLowerInvariant();
        var parent = System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(path) ?? "");
        return name switch
        {
            ".gitconfig" or "gitconfig" => BypassFileKind.GitConfig,
            "config" when parent is ".git" or "git" => BypassFileKind.GitConfig,
            ".npmrc" or "npmrc" => BypassFileKind.Npmrc,
            "pip.conf" or "pip.ini" => BypassFileKind.PipConfig,
            ".curlrc" or "curlrc" or "_curlrc" => BypassFileKind.Curlrc,
            ".wgetrc" or "wgetrc" => BypassFileKind.Wgetrc,
            _ => extension switch
            {
                ".py" or ".pyw" => BypassFileKind.Python,
                ".js" or ".mjs" or ".cjs" or ".ts" or ".mts" or ".cts" or ".jsx" or ".tsx" => BypassFileKind.JavaScript,
                ".java" or ".kt" or ".kts" or ".groovy" or ".scala" => BypassFileKind.Java,
                ".ps1" or ".psm1" or ".psd1" => BypassFileKind.PowerShell,
                _ => BypassFileKind.Text,
            },
        };
    }
}
