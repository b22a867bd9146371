using System.Net;

namespace CertHeal.Handshake;

/// <summary>
/// Name resolution as a seam: the system's DNS in production, a fixed map in tests (a name
/// with two loopback addresses without touching /etc/hosts).
/// </summary>
public interface IHostResolver
{
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken);
}

/// <summary>The operating system's resolver; IP literals resolve to themselves.</summary>
public sealed class SystemResolver : IHostResolver
{
    public static SystemResolver Instance { get; } = new();

    public async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        IPAddress.TryParse(host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
}

/// <summary>A fixed name-to-addresses map; names it does not know fall through to the system.</summary>
public sealed class StaticResolver(IReadOnlyDictionary<string, IPAddress[]> map) : IHostResolver
{
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        map.TryGetValue(host, out var addresses) ? Task.FromResult(addresses) : SystemResolver.Instance.ResolveAsync(host, cancellationToken);
}
