using System.Net;
using System.Net.Sockets;

namespace CertHeal.Handshake;

/// <summary>
/// The connector every stage uses unless told otherwise: TCP directly or through an HTTP
/// CONNECT proxy (explicit, or the environment's HTTPS_PROXY/NO_PROXY), then the target's
/// STARTTLS upgrade if it has one; what comes back is ready for the TLS handshake.
/// </summary>
public sealed class ReachConnector : IConnector
{
    private readonly ProxySettings? _proxy;

    /// <param name="proxy">null reads the environment at each connection (HTTPS_PROXY, NO_PROXY); ProxySettings.None connects directly.</param>
    public ReachConnector(ProxySettings? proxy = null, DirectConnector? tcp = null)
    {
        _proxy = proxy;
        Tcp = tcp ?? DirectConnector.Instance;
    }

    /// <summary>Environment proxy, system resolver, both address families.</summary>
    public static ReachConnector Default { get; } = new();

    public DirectConnector Tcp { get; }

    public ProxySettings Proxy => _proxy ?? ProxySettings.FromEnvironment();

    /// <summary>The proxy settings the caller chose (a proxy, or none), or null when they come from the environment.</summary>
    public ProxySettings? ExplicitProxy => _proxy is { FromEnvironmentVariables: false } ? _proxy : null;

    public async Task<Connection> ConnectAsync(TlsTarget target, CancellationToken cancellationToken)
    {
        // One snapshot of the environment per connection: the proxy and its credential agree.
        var settings = Proxy;
        var proxy = settings.ProxyFor(target);
        var connection = proxy is null
            ? await Tcp.ConnectAsync(target, cancellationToken).ConfigureAwait(false)
            : await new ProxyConnector(proxy, settings.Credential, Tcp).ConnectAsync(target, cancellationToken).ConfigureAwait(false);
        if (target.StartTls == StartTlsProtocol.None)
        {
            return connection;
        }
        try
        {
            await StartTlsNegotiator.NegotiateAsync(connection.Stream, target, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException || e is IOException and not StartTlsRefusedException and not ProxyRefusedException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new StartTlsRefusedException($"{target.Display} did not complete the {target.StartTls} STARTTLS exchange: {e.Message.TrimEnd('.')}; check that the port speaks {target.StartTls}.", e);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Every address a target's name resolves to (of the chosen family): what -AllAddresses probes one by one.</summary>
    public Task<IPAddress[]> AddressesAsync(TlsTarget target, CancellationToken cancellationToken) => Tcp.ResolveAsync(target, cancellationToken);

    /// <summary>The targets with one entry per address of each name (IP literals stay as they are).</summary>
    public async Task<List<TlsTarget>> ExpandAddressesAsync(IEnumerable<TlsTarget> targets, CancellationToken cancellationToken)
    {
        var expanded = new List<TlsTarget>();
        foreach (var target in targets)
        {
            if (target.Address is not null || IPAddress.TryParse(target.Host, out _))
            {
                expanded.Add(target);
                continue;
            }
            try
            {
                expanded.AddRange((await AddressesAsync(target, cancellationToken).ConfigureAwait(false)).Select(a => target with { Address = a }));
            }
            catch (SocketException)
            {
                expanded.Add(target); // the probe reports the resolution failure for this target
            }
        }
        return expanded;
    }
}
