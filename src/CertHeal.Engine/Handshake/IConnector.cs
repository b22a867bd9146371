using System.Net;

namespace CertHeal.Handshake;

/// <summary>
/// The one seam for connection setup. Everything that must happen before the TLS handshake
/// (direct TCP today; HTTP CONNECT proxies and STARTTLS later) lives behind it, so the probe,
/// the chain collector and the healing handler never open sockets themselves.
/// </summary>
public interface IConnector
{
    Task<Connection> ConnectAsync(TlsTarget target, CancellationToken cancellationToken);
}

/// <summary>A connected byte stream ready for the TLS handshake.</summary>
public sealed class Connection(Stream stream, EndPoint? remote) : IAsyncDisposable
{
    public Stream Stream { get; } = stream;
    public EndPoint? RemoteEndPoint { get; } = remote;

    public ValueTask DisposeAsync() => Stream.DisposeAsync();
}
