using System.Text.RegularExpressions;

namespace CertHeal.Discovery;

/// <summary>
/// host:port named by the text around a bypass: the first https:// (or wss://) URL, else a bare
/// host or host:port (pip's trusted-host). Plain http:// URLs are not endpoints: no TLS to test.
/// </summary>
internal static partial class BypassEndpoint
{
    public static string? In(string text)
    {
        Match match;
        try
        {
            match = UrlPattern().Match(text);
        }
        catch (RegexMatchTimeoutException)
        {
            return null;
        }
        return match.Success ? Format(match.Groups["host"].Value, match.Groups["port"].Success ? match.Groups["port"].Value : "443") : null;
    }

    /// <summary>A trusted-host value: a URL, host:port, [v6]:port or a host.</summary>
    public static string? OfHost(string value)
    {
        value = value.Trim().Trim('"', '\'').TrimEnd(',', ';');
        if (value.Length == 0)
        {
            return null;
        }
        if (value.Contains("://", StringComparison.Ordinal))
        {
            return In(value);
        }
        var match = HostPattern().Match(value);
        return match.Success ? Format(match.Groups["host"].Value, match.Groups["port"].Success ? match.Groups["port"].Value : "443") : null;
    }

    /// <summary>The probe settings a remedy needs to name the endpoint (Target, Host, Port).</summary>
    public static ProbeSettings Probe(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        var host = endpoint[..colon].Trim('[', ']');
        return new ProbeSettings { Target = endpoint, Host = host, Port = int.Parse(endpoint[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture) };
    }

    private static string? Format(string host, string port) =>
        int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) && number is > 0 and < 65536
            ? $"{host.ToLowerInvariant()}:{number.ToString(System.Globalization.CultureInfo.InvariantCulture)}"
            : null;

    // User information (user:password@) is stepped over, never part of the endpoint.
    [GeneratedRegex("""\b(https|wss)://([^/@\s"'<>]*@)?(?<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(:(?<port>\d{1,5}))?(?![\w.-])""",
        RegexOptions.ExplicitCapture | RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, 1000)]
    private static partial Regex UrlPattern();

    [GeneratedRegex("""^(?<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(:(?<port>\d{1,5}))?$""",
        RegexOptions.ExplicitCapture | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex HostPattern();
}
