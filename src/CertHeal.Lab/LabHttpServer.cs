using System.Collections.Concurrent;
using System.Text;

namespace CertHeal.Lab;

/// <summary>
/// A loopback HTTP/1.1 server with a route table: the AIA repository of the lab, and the
/// misbehaving ones (slow, oversized, looping) the AIA limits must survive. Over TLS
/// (<see cref="StartTls"/>) it is the web API the request cmdlet's tests call: routes with any
/// status and headers, and the last request head of each path recorded.
/// </summary>
public sealed class LabHttpServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Route> _routes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _hits = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, string>> _lastHeads = new(StringComparer.Ordinal);
    private readonly LabListener _listener;
    private readonly System.Net.Security.SslServerAuthenticationOptions? _tls;

    public LabHttpServer()
    {
        _listener = new LabListener(ServeAsync);
    }

    private LabHttpServer(System.Net.Security.SslServerAuthenticationOptions tls)
    {
        _tls = tls;
        _listener = new LabListener(ServeAsync);
    }

    /// <summary>The same server over TLS, presenting <paramref name="leaf"/> and exactly <paramref name="chain"/>.</summary>
    public static LabHttpServer StartTls(System.Security.Cryptography.X509Certificates.X509Certificate2 leaf, IReadOnlyList<System.Security.Cryptography.X509Certificates.X509Certificate2> chain) =>
        new(new System.Net.Security.SslServerAuthenticationOptions { ServerCertificateContext = ExactChainContext.Create(leaf, chain) });

    /// <param name="Drip">When set, the body is sent one byte per interval (a repository that trickles to hold the client).</param>
    /// <param name="Status">The status line's code and reason, e.g. "404 Not Found".</param>
    /// <param name="Headers">Extra response headers.</param>
    public sealed record Route(byte[] Body, string ContentType = "application/pkix-cert", TimeSpan Delay = default, long StreamBytes = 0, TimeSpan Drip = default,
        string Status = "200 OK", IReadOnlyDictionary<string, string>? Headers = null);

    public int Port => _listener.Port;

    public string Url(string path) => $"{(_tls is null ? "http" : "https")}://127.0.0.1:{Port}/{path.TrimStart('/')}";

    /// <summary>The head of the last request for a path (header names case-insensitive; repeated headers joined with ", "), or null.</summary>
    public IReadOnlyDictionary<string, string>? LastRequestHeaders(string path) =>
        _lastHeads.TryGetValue("/" + path.TrimStart('/'), out var head) ? head : null;

    public void Map(string path, Route route) => _routes["/" + path.TrimStart('/')] = route;

    /// <summary>How many times a path was requested: proves caching and loop limits.</summary>
    public int Hits(string path) => _hits.TryGetValue("/" + path.TrimStart('/'), out var n) ? n : 0;

    private async Task ServeAsync(System.Net.Sockets.NetworkStream network, CancellationToken token)
    {
        if (_tls is null)
        {
            await ServeAsync((Stream)network, token).ConfigureAwait(false);
            return;
        }
        await using var tls = new System.Net.Security.SslStream(network, leaveInnerStreamOpen: false);
        await tls.AuthenticateAsServerAsync(_tls, token).ConfigureAwait(false);
        await ServeAsync(tls, token).ConfigureAwait(false);
    }

    private async Task ServeAsync(Stream stream, CancellationToken token)
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
        var lines = head.ToString().Split("\r\n\r\n")[0].Split("\r\n");
        var requestLine = lines[0].Split(' ');
        var path = requestLine.Length > 1 ? requestLine[1] : "/";
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                var name = line[..colon].Trim();
                var value = line[(colon + 1)..].Trim();
                headers[name] = headers.TryGetValue(name, out var previous) ? previous + ", " + value : value;
            }
        }
        _lastHeads[path] = headers;
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
            // No Content-Length unless the route's headers declare one: the client must stop reading by itself.
            var declared = string.Concat((route.Headers ?? new Dictionary<string, string>()).Select(h => $"{h.Key}: {h.Value}\r\n"));
            await WriteAsync(stream, $"HTTP/1.1 200 OK\r\nContent-Type: {route.ContentType}\r\n{declared}Connection: close\r\n\r\n", token).ConfigureAwait(false);
            var chunk = new byte[64 * 1024];
            for (long sent = 0; sent < route.StreamBytes; sent += chunk.Length)
            {
                await stream.WriteAsync(chunk, token).ConfigureAwait(false);
            }
            return;
        }
        var extra = string.Concat((route.Headers ?? new Dictionary<string, string>()).Select(h => $"{h.Key}: {h.Value}\r\n"));
        await WriteAsync(stream, $"HTTP/1.1 {route.Status}\r\nContent-Type: {route.ContentType}\r\n{extra}Content-Length: {route.Body.Length}\r\nConnection: close\r\n\r\n", token).ConfigureAwait(false);
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
