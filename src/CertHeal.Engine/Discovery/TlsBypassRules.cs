using System.Text.RegularExpressions;

namespace CertHeal.Discovery;

/// <summary>What kind of text a file holds, which decides the language rules that apply to it.</summary>
internal enum BypassFileKind
{
    Text,
    Python,
    JavaScript,
    Java,
    PowerShell,
    GitConfig,
    Npmrc,
    PipConfig,
    Curlrc,
    Wgetrc,
}

/// <summary>One pattern that switches validation off, with the group <c>setting</c> holding the switch as written.</summary>
internal sealed record BypassRule(TlsBypassKind Kind, string Client, Regex Pattern, BypassFileKind[]? Only = null)
{
    public bool AppliesTo(BypassFileKind kind) => Only is null || Only.Contains(kind);
}

/// <summary>
/// The switches people leave behind when TLS breaks, as they appear in shell and service files,
/// scripts, configuration and process environments. Each rule is anchored on the switch itself
/// with the value that disables validation, so the enabling spelling (=1, true, $false) never matches.
/// </summary>
internal static partial class TlsBypassRules
{
    private const RegexOptions Options = RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture;
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    private static Regex R(string pattern, RegexOptions extra = RegexOptions.None) => new(pattern, Options | extra, MatchTimeout);

    /// <summary>Rules for one line; every kind of file gets the environment and command rules.</summary>
    public static readonly BypassRule[] Lines =
    [
        new(TlsBypassKind.NodeTlsRejectUnauthorized, "Node.js", R("""(?<setting>((?<=\bENV\s+)NODE_TLS_REJECT_UNAUTHORIZED\s+|NODE_TLS_REJECT_UNAUTHORIZED["'\]]*\s*[=:]\s*)["']?0)(?![\w.])""")),
        new(TlsBypassKind.PythonHttpsVerify, "Python", R("""(?<setting>((?<=\bENV\s+)PYTHONHTTPSVERIFY\s+|PYTHONHTTPSVERIFY["'\]]*\s*[=:]\s*)["']?0)(?![\w.])""")),
        new(TlsBypassKind.GitSslNoVerify, "git", R("""(?<![\w$])(?<setting>(?<=\bENV\s+)GIT_SSL_NO_VERIFY\s+\S+|GIT_SSL_NO_VERIFY["'\]]*\s*[=:]\s*["']?[^\s"';]*)""")),
        new(TlsBypassKind.GitSslVerifyFalse, "git", R("""(?<setting>http(\.[^\s=]+)?\.sslverify(\s*=\s*|\s+)["']?(false|no|off|0))(?![\w.])""", RegexOptions.IgnoreCase)),
        new(TlsBypassKind.GitSslVerifyFalse, "git", R("""^\s*(?<setting>sslverify\s*=\s*(false|no|off|0))\s*$""", RegexOptions.IgnoreCase), [BypassFileKind.GitConfig]),
        new(TlsBypassKind.CurlInsecure, "curl", R("""\bcurl\b[^|;&\n]*?\s(?<setting>--insecure|-[a-zA-Z]*k[a-zA-Z]*)(?=\s|$)""")),
        new(TlsBypassKind.CurlInsecure, "curl", R("""^\s*(?<setting>(--?)?insecure|-k)\s*$"""), [BypassFileKind.Curlrc]),
        new(TlsBypassKind.WgetNoCheckCertificate, "wget", R("""\bwget\b[^|;&\n]*?\s(?<setting>--no-check-certificate)\b""")),
        new(TlsBypassKind.WgetNoCheckCertificate, "wget", R("""^\s*(?<setting>check_certificate\s*=\s*off)\s*$""", RegexOptions.IgnoreCase), [BypassFileKind.Wgetrc]),
        new(TlsBypassKind.PowerShellSkipCertificateCheck, "PowerShell", R("""(?<setting>-SkipCertificateCheck)\b(?!\s*:\s*\$false)""", RegexOptions.IgnoreCase)),
        new(TlsBypassKind.PowerShellSkipCertificateCheck, "PowerShell", R("""(?<setting>ServerCertificateValidationCallback\s*=\s*\{\s*\$true\s*\})""", RegexOptions.IgnoreCase)),
        new(TlsBypassKind.NpmStrictSslFalse, "npm", R("""(?<setting>npm\s+config\s+set\s+strict-ssl\s+false|npm_config_strict_ssl\s*=\s*["']?false)\b""", RegexOptions.IgnoreCase)),
        new(TlsBypassKind.NpmStrictSslFalse, "npm", R("""^\s*(?<setting>strict-ssl\s*=\s*false)\s*$"""), [BypassFileKind.Npmrc]),
        new(TlsBypassKind.PipTrustedHost, "pip", R("""(?<setting>--trusted-host(\s+|=)(?<endpoint>[^\s'"]+)|PIP_TRUSTED_HOST\s*=\s*["']?(?<endpoint>[^\s'"]+))""")),
        new(TlsBypassKind.PipTrustedHost, "pip", R("""^\s*(?<setting>trusted-host\s*=\s*(?<endpoint>\S+))"""), [BypassFileKind.PipConfig]),
        new(TlsBypassKind.PythonVerifyFalse, "Python", R("""(?<setting>\bverify\s*=\s*False\b|ssl\._create_unverified_context\b|\bCERT_NONE\b)"""), [BypassFileKind.Python]),
        new(TlsBypassKind.NodeRejectUnauthorizedOption, "Node.js", R("""(?<setting>\brejectUnauthorized["']?\s*:\s*false)\b"""), [BypassFileKind.JavaScript]),
    ];

    /// <summary>A trust manager that trusts everything: an empty checkServerTrusted, across lines.</summary>
    public static readonly BypassRule JavaTrustAll = new(TlsBypassKind.JavaTrustAllManager, "Java",
        R("""(?<setting>checkServerTrusted)\s*\([^)]*\)\s*(throws\s+[\w.,\s]+)?\{\s*(return\s*;\s*)?\}""", RegexOptions.Singleline), [BypassFileKind.Java]);

    /// <summary>Environment entries of a running process that switch validation off.</summary>
    public static readonly (string Name, Func<string, bool> Disables, TlsBypassKind Kind, string Client)[] Environment =
    [
        ("NODE_TLS_REJECT_UNAUTHORIZED", v => v.Trim() == "0", TlsBypassKind.NodeTlsRejectUnauthorized, "Node.js"),
        ("PYTHONHTTPSVERIFY", v => v.Trim() == "0", TlsBypassKind.PythonHttpsVerify, "Python"),
        // git tests only that the variable exists.
        ("GIT_SSL_NO_VERIFY", _ => true, TlsBypassKind.GitSslNoVerify, "git"),
        ("NPM_CONFIG_STRICT_SSL", v => v.Trim().Equals("false", StringComparison.OrdinalIgnoreCase), TlsBypassKind.NpmStrictSslFalse, "npm"),
        ("npm_config_strict_ssl", v => v.Trim().Equals("false", StringComparison.OrdinalIgnoreCase), TlsBypassKind.NpmStrictSslFalse, "npm"),
        ("PIP_TRUSTED_HOST", v => v.Trim().Length > 0, TlsBypassKind.PipTrustedHost, "pip"),
    ];

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
            ".curlrc" or "curlrc" => BypassFileKind.Curlrc,
            ".wgetrc" or "wgetrc" => BypassFileKind.Wgetrc,
            _ => extension switch
            {
                ".py" or ".pyw" => BypassFileKind.Python,
                ".js" or ".mjs" or ".cjs" or ".ts" or ".mts" or ".cts" => BypassFileKind.JavaScript,
                ".java" or ".kt" => BypassFileKind.Java,
                ".ps1" or ".psm1" or ".psd1" => BypassFileKind.PowerShell,
                _ => BypassFileKind.Text,
            },
        };
    }

    /// <summary>host:port of the first http(s) URL in <paramref name="text"/>, or null.</summary>
    public static string? EndpointIn(string text)
    {
        var match = UrlPattern().Match(text);
        if (!match.Success)
        {
            return null;
        }
        var host = match.Groups["host"].Value;
        var port = match.Groups["port"].Success ? match.Groups["port"].Value : match.Groups["scheme"].Value.Equals("https", StringComparison.OrdinalIgnoreCase) ? "443" : "80";
        return $"{host}:{port}";
    }

    /// <summary>host:port from a pip trusted-host value (a host, host:port or URL).</summary>
    public static string? EndpointOfHost(string value) =>
        EndpointIn(value) ?? (value.Contains(':', StringComparison.Ordinal) ? value : value.Length > 0 ? value + ":443" : null);

    [GeneratedRegex("""(?<scheme>https?)://(?<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:(?<port>\d{1,5}))?""", RegexOptions.ExplicitCapture | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex UrlPattern();
}
