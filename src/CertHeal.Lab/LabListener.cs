using System.Net;
using System.Net.Sockets;

namespace CertHeal.Lab;

/// <summary>
/// A loopback TCP listener on an ephemeral port that hands each connection to a handler.
/// Every connection is bounded in time so a stuck test client cannot keep the lab alive.
/// </summary>
public class LabListener : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private readonly Func<NetworkStream, CancellationToken, Task> _handler;
    private int _connections;
    private int _disposed;

    public LabListener(Func<NetworkStream, CancellationToken, Task> handler, bool ipv6 = false, TimeSpan? connectionLifetime = null)
        : this(handler, ipv6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0, connectionLifetime)
    {
    }

    /// <summary>A listener on one loopback address and port (0 = ephemeral).</summary>
    public LabListener(Func<NetworkStream, CancellationToken, Task> handler, IPAddress address, int port, TimeSpan? connectionLifetime = null)
    {
        if (!IPAddress.IsLoopback(address))
        {
            throw new ArgumentException($"The lab binds loopback addresses only, not {address}.", nameof(address));
        }
        _handler = handler;
        ConnectionLifetime = connectionLifetime ?? TimeSpan.FromSeconds(30);
        _listener = new TcpListener(address, port);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        Host = address.ToString();
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public string Host { get; }
    public int Port { get; }
    public TimeSpan ConnectionLifetime { get; }

    /// <summary>host:port as a user would type it.</summary>
    public string Target => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    /// <summary>How many connections the listener accepted, so tests can prove "one handshake".</summary>
    public int Connections => Volatile.Read(ref _connections);

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            Interlocked.Increment(ref _connections);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        lifetime.CancelAfter(ConnectionLifetime);
        using (client)
        {
            try
            {
                await _handler(client.GetStream(), lifetime.Token).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // A lab connection ends however the client ends it; the test looks at the client side.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        _stop.Cancel();
        _listener.Stop();
        try
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        catch (Exception)
        {
        }
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>A port that was just free and is now closed: connecting to it is refused.</summary>
    public static int ClosedPort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}
