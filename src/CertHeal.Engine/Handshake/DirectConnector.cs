using System.Net;
using System.Net.Sockets;

namespace CertHeal.Handshake;

/// <summary>Plain TCP: resolve the host, try each address in turn, return the first that connects.</summary>
public sealed class DirectConnector : IConnector
{
    public static DirectConnector Instance { get; } = new();

    public async Task<Connection> ConnectAsync(TlsTarget target, CancellationToken cancellationToken)
    {
        IPAddress[] addresses = IPAddress.TryParse(target.Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(target.Host, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }
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
}
