using System.Collections;
using System.Net;
using System.Net.Sockets;

namespace CertHeal.Handshake;

/// <summary>
/// Which HTTP proxy a target goes through: an explicit one (-Proxy), none (-NoProxy), or what
/// the environment says the way curl reads it (HTTPS_PROXY, https_proxy, ALL_PROXY, all_proxy;
/// NO_PROXY / no_proxy with host suffixes, IP addresses, CIDR ranges, host:port and '*').
/// Loopback is not bypassed implicitly: NO_PROXY says so when it should be.
/// </summary>
public sealed class ProxySettings
{
    private readonly IReadOnlyList<string> _bypass;

    public ProxySettings(Uri? proxy, NetworkCredential? credential = null, IEnumerable<string>? bypass = null)
    {
        // A host's binder may hand over a relative Uri (PowerShell turns any string into one), whose Scheme throws.
        if (proxy is not null && (!proxy.IsAbsoluteUri || proxy.Scheme is not ("http" or "https")))
        {
            throw new ArgumentException($"The proxy '{proxy}' is not an http:// proxy URL; give one like http://proxy.example:3128 (CertHeal tunnels through HTTP CONNECT proxies only).");
        }
        Proxy = proxy;
        Credential = credential ?? CredentialFromUri(proxy);
        _bypass = (bypass ?? []).Select(b => b.Trim()).Where(b => b.Length > 0).ToList();
    }

    /// <summary>No proxy at all (-NoProxy).</summary>
    public static ProxySettings None { get; } = new(null);

    public Uri? Proxy { get; }

    public NetworkCredential? Credential { get; }

    /// <summary>The proxy the environment names (HTTPS_PROXY, then ALL_PROXY; lower case too), with NO_PROXY.</summary>
    public static ProxySettings FromEnvironment(IDictionary? environment = null, NetworkCredential? credential = null, IHostVocabulary? words = null)
    {
        environment ??= Environment.GetEnvironmentVariables();
        string? Read(params string[] names) => names.Select(n => environment[n] as string).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
        var proxy = Read("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy");
        if (proxy is null)
        {
            return new ProxySettings(null) { FromEnvironmentVariables = true };
        }
        if (!proxy.Contains("://", StringComparison.Ordinal))
        {
            proxy = "http://" + proxy;
        }
        if (!Uri.TryCreate(proxy, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"The proxy '{proxy}' in HTTPS_PROXY/ALL_PROXY is not an http:// URL; fix the variable or bypass it with {(words ?? NeutralVocabulary.Instance).Name(HostOption.NoProxy)}.");
        }
        var noProxy = Read("NO_PROXY", "no_proxy") ?? "";
        return new ProxySettings(uri, credential, noProxy.Split(',', StringSplitOptions.RemoveEmptyEntries)) { FromEnvironmentVariables = true };
    }

    /// <summary>True when these settings were read from HTTPS_PROXY/NO_PROXY rather than asked for, so a remedy need not repeat them.</summary>
    public bool FromEnvironmentVariables { get; private init; }

    /// <summary>The proxy for this target, or null to connect directly.</summary>
    public Uri? ProxyFor(TlsTarget target) => Proxy is null || Bypasses(target) ? null : Proxy;

    private bool Bypasses(TlsTarget target)
    {
        var host = target.Host.TrimEnd('.');
        IPAddress.TryParse(host, out var address);
        foreach (var rule in _bypass)
        {
            if (rule == "*")
            {
                return true;
            }
            var entry = rule;
            int? port = null;
            var colon = entry.LastIndexOf(':');
            if (colon > 0 && !entry.Contains('/') && entry.Count(c => c == ':') == 1 && int.TryParse(entry[(colon + 1)..], out var p))
            {
                port = p;
                entry = entry[..colon];
            }
            if (port is not null && port != target.Port)
            {
                continue;
            }
            entry = entry.Trim('[', ']');
            if (entry.Contains('/'))
            {
                if (address is not null && InCidr(address, entry))
                {
                    return true;
                }
                continue;
            }
            if (address is not null && IPAddress.TryParse(entry, out var ruleAddress))
            {
                if (ruleAddress.Equals(address))
                {
                    return true;
                }
                continue;
            }
            var suffix = entry.TrimStart('*').TrimStart('.').TrimEnd('.');
            if (suffix.Length > 0 && (host.Equals(suffix, StringComparison.OrdinalIgnoreCase)
                || host.EndsWith("." + suffix, StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }
        return false;
    }

    private static bool InCidr(IPAddress address, string cidr)
    {
        var slash = cidr.IndexOf('/');
        if (!IPAddress.TryParse(cidr[..slash], out var network) || !int.TryParse(cidr[(slash + 1)..], out var bits))
        {
            return false;
        }
        if (address.IsIPv4MappedToIPv6 && network.AddressFamily == AddressFamily.InterNetwork)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily != network.AddressFamily)
        {
            return false;
        }
        var a = address.GetAddressBytes();
        var n = network.GetAddressBytes();
        if (bits < 0 || bits > a.Length * 8)
        {
            return false;
        }
        for (var i = 0; i < a.Length && bits > 0; i++, bits -= 8)
        {
            var mask = bits >= 8 ? 0xFF : (byte)(0xFF << (8 - bits));
            if ((a[i] & mask) != (n[i] & mask))
            {
                return false;
            }
        }
        return true;
    }

    private static NetworkCredential? CredentialFromUri(Uri? proxy)
    {
        if (proxy is null || string.IsNullOrEmpty(proxy.UserInfo))
        {
            return null;
        }
        var parts = proxy.UserInfo.Split(':', 2);
        return new NetworkCredential(Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "");
    }

    /// <summary>The proxy as shown in messages: never its user information.</summary>
    public static string Describe(Uri proxy) => $"{proxy.Scheme}://{proxy.Authority}";
}
