using System.Collections.Concurrent;
using System.Text;

namespace CertHeal.Lab;

/// <summary>
/// A loopback HTTP/1.1 server with a route table: the AIA repository of the lab, and the
/// misbehaving ones (slow, oversized, looping) the AIA limits must survive.
/// </summary>
public sealed class LabHttpServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Route> _routes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _hits = new(StringComparer.Ordinal);
    private readonly LabListener _listener;

    public LabHttpServer()
    {
        _listener = new LabListener(ServeAsync);
    }

    /// <param name="Drip">When set, the body is sent one byte per interval (a repository that trickles to hold the client).</param>
    public sealed record Route(byte[] Body, string ContentType = "application/pkix-cert", TimeSpan Delay = default, long StreamBytes = 0, TimeSpan Drip = default);

    public int Port => _listener.Port;

    public string Url(string path) => $"http://127.0.0.1:{Port}/{path.TrimStart('/')}";

    public void Map(string path, Route route) => _routes["/" + path.TrimStart('/')] = route;

    /// <summary>How many times a path was requested: proves caching and loop limits.</summary>
    public int Hits(string path) => _hits.TryGetValue("/" + path.TrimStart('/'), out var n) ? n : 0;

    private async Task ServeAsync(System.Net.Sockets.NetworkStream stream, CancellationToken token)
    {
        var head = new StringBuilder();
        var buffer = new byte[4096];
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal) && head.Length < 16384)
        {
            var n = await stream.ReadAsync(buffer, token).ConfigureAwait(false);
            if (n == 0)
            {
                return;
            }
            head.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        var requestLine = head.ToString().Split("\r\n")[0].Split(' ');
        var path = requestLine.Length > 1 ? requestLine[1] : "/";
        _hits.AddOrUpdate(path, 1, (_, n) => n + 1);
        if (!_routes.TryGetValue(path, out var route))
        {
            await WriteAsync(stream, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", token).ConfigureAwait(false);
            return;
        }
        if (route.Delay > TimeSpan.Zero)
        {
            await Task.Delay(route.Delay, token).ConfigureAwait(false);
        }
        if (route.StreamBytes > 0)
        {
            // No Content-Length: the client must stop reading by itself.
            await WriteAsync(stream, $"HTTP/1.1 200 OK\r\nContent-Type: {route.ContentType}\r\nConnection: close\r\n\r\n", token).ConfigureAwait(false);
            var chunk = new byte[64 * 1024];
            for (long sent = 0; sent < route.StreamBytes; sent += chunk.Length)
            {
                await stream.WriteAsync(chunk, token).ConfigureAwait(false);
            }
            return;
        }
        await WriteAsync(stream, $"HTTP/1.1 200 OK\r\nContent-Type: {route.ContentType}\r\nContent-Length: {route.Body.Length}\r\nConnection: close\r\n\r\n", token).ConfigureAwait(false);
        if (route.Drip > TimeSpan.Zero)
        {
            for (var i = 0; i < route.Body.Length; i++)
            {
                await stream.WriteAsync(route.Body.AsMemory(i, 1), token).ConfigureAwait(false);
                await stream.FlushAsync(token).ConfigureAwait(false);
                await Task.Delay(route.Drip, token).ConfigureAwait(false);
            }
            return;
        }
        await stream.WriteAsync(route.Body, token).ConfigureAwait(false);
        await stream.FlushAsync(token).ConfigureAwait(false);
    }

    private static Task WriteAsync(Stream stream, string text, CancellationToken token) =>
        stream.WriteAsync(Encoding.ASCII.GetBytes(text), token).AsTask();

    public ValueTask DisposeAsync() => _listener.DisposeAsync();
}
