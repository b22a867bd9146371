using System.Net;
using System.Net.Sockets;

namespace CertHeal.Handshake;

/// <summary>Plain TCP: resolve the host, try each address in turn, return the first that connects.</summary>
public sealed class DirectConnector : IConnector
{
    public static DirectConnector Instance { get; } = new();

    public IHostResolver Resolver { get; init; } = SystemResolver.Instance;

    /// <summary>InterNetwork or InterNetworkV6 to use only that family; Unspecified tries every address.</summary>
    public AddressFamily AddressFamily { get; init; } = AddressFamily.Unspecified;

    public async Task<Connection> ConnectAsync(TlsTarget target, CancellationToken cancellationToken)
    {
        var addresses = await ResolveAsync(target, cancellationToken).ConfigureAwait(false);
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, target.Port), cancellationToken).ConfigureAwait(false);
                return new Connection(new NetworkStream(socket, ownsSocket: true), socket.RemoteEndPoint);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last!;
    }

    /// <summary>The addresses a target connects to, in order: its pinned address, or the name's addresses of the chosen family.</summary>
    public async Task<IPAddress[]> ResolveAsync(TlsTarget target, CancellationToken cancellationToken)
    {
        var addresses = target.Address is { } pinned
            ? [pinned]
            : await Resolver.ResolveAsync(target.Host, cancellationToken).ConfigureAwait(false);
        if (AddressFamily != AddressFamily.Unspecified)
        {
            addresses = addresses.Where(a => a.AddressFamily == AddressFamily).ToArray();
        }
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }
        return addresses;
    }
}
