using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace CertHeal.Handshake;

/// <summary>
/// Where to connect and which name to ask for. Parsed once from what users type
/// (host, host:port, [v6]:port, https://host:port/path) so every stage agrees on the endpoint.
/// </summary>
public sealed record TlsTarget(string Host, int Port, string ServerName, string Display)
{
    public const int DefaultPort = 443;

    /// <summary>The path and query of a URL target, kept for the request stage.</summary>
    public string? PathAndQuery { get; init; }

    /// <summary>The plain-text protocol to upgrade before TLS (smtp://, postgres://, -StartTls); None for TLS from the first byte.</summary>
    public StartTlsProtocol StartTls { get; init; }

    /// <summary>True when neither the target nor -Port named a port (443 was assumed).</summary>
    public bool PortDefaulted { get; init; }

    /// <summary>One address to connect to instead of resolving Host (-AllAddresses probes each address of a name).</summary>
    public IPAddress? Address { get; init; }

    /// <summary>
    /// The same endpoint upgraded with <paramref name="protocol"/>; the display gains the
    /// protocol's scheme so a Recommendation copied from the result keeps the upgrade.
    /// </summary>
    public TlsTarget WithStartTls(StartTlsProtocol protocol)
    {
        // "-StartTls Smtp mail.example.com" means port 25, not 443: a port nobody wrote follows the protocol.
        var port = PortDefaulted && TargetScheme.DefaultPort(protocol) is { } protocolPort ? protocolPort : Port;
        var hostPort = Host.Contains(':') ? $"[{Host}]:{port}" : $"{Host}:{port}";
        return this with
        {
            Port = port,
            StartTls = protocol,
            Display = protocol == StartTlsProtocol.None ? hostPort : $"{TargetScheme.Name(protocol)}://{hostPort}",
        };
    }

    public static TlsTarget Parse(string text, int? port = null, string? serverName = null)
    {
        if (TryParse(text, port, serverName, out var target, out var error))
        {
            return target;
        }
        throw new FormatException(error);
    }

    public static bool TryParse(string? text, int? port, string? serverName,
        [NotNullWhen(true)] out TlsTarget? target, [NotNullWhen(false)] out string? error)
    {
        target = null;
        error = null;
        var value = text?.Trim() ?? "";
        if (value.Length == 0)
        {
            error = "The target is empty; give a host name, host:port or an https:// URL.";
            return false;
        }
        if (port is < 1 or > 65535)
        {
            error = $"The port {port} is out of range; use a port from 1 to 65535.";
            return false;
        }

        string host;
        int? parsedPort = null;
        var startTls = StartTlsProtocol.None;
        string? path = null;
        if (value.Contains("://", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            {
                error = $"The target '{value}' is not a valid URL; use https://host:port/path.";
                return false;
            }
            host = uri.IdnHost.Trim('[', ']');
            parsedPort = uri.Port > 0 ? uri.Port : null;
            path = uri.PathAndQuery;
            if (TargetScheme.TryGet(uri.Scheme, out var schemePort, out startTls))
            {
                // smtp://host means port 25 with STARTTLS; an explicit port still wins.
                parsedPort = uri.IsDefaultPort || uri.Port <= 0 ? schemePort : uri.Port;
            }
        }
        else if (value.StartsWith('['))
        {
            var close = value.IndexOf(']');
            if (close < 0)
            {
                error = $"The target '{value}' has no closing ']'; write IPv6 targets as [::1]:443.";
                return false;
            }
            host = value[1..close];
            var rest = value[(close + 1)..];
            if (rest.Length > 0)
            {
                if (!rest.StartsWith(':') || !TryPort(rest[1..], out var p))
                {
                    error = $"The target '{value}' has an invalid port; use [address]:port with a port from 1 to 65535.";
                    return false;
                }
                parsedPort = p;
            }
        }
        else if (value.Count(c => c == ':') > 1)
        {
            host = value; // a bare IPv6 address
        }
        else
        {
            var colon = value.IndexOf(':');
            host = colon < 0 ? value : value[..colon];
            if (colon >= 0)
            {
                if (!TryPort(value[(colon + 1)..], out var p))
                {
                    error = $"The target '{value}' has an invalid port; use host:port with a port from 1 to 65535.";
                    return false;
                }
                parsedPort = p;
            }
        }

        if (host.Length == 0 || (Uri.CheckHostName(host) == UriHostNameType.Unknown && !IPAddress.TryParse(host, out _)))
        {
            error = $"The target '{value}' does not name a valid host.";
            return false;
        }

        // A port written into the target wins over -Port: "host:8443" means what it says.
        var finalPort = parsedPort ?? port ?? DefaultPort;
        var sni = string.IsNullOrWhiteSpace(serverName) ? host : serverName.Trim();
        var display = host.Contains(':') ? $"[{host}]:{finalPort}" : $"{host}:{finalPort}";
        target = new TlsTarget(host, finalPort, sni, display) { PathAndQuery = path, PortDefaulted = parsedPort is null && port is null };
        if (startTls != StartTlsProtocol.None)
        {
            target = target.WithStartTls(startTls);
        }
        return true;
    }

    private static bool TryPort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 1 and <= 65535;

    public override string ToString() => Display;
}
