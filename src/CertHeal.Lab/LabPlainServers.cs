using System.Text;

namespace CertHeal.Lab;

/// <summary>Listeners that are not TLS servers: the failures a probe must name correctly.</summary>
public static class LabPlainServers
{
    /// <summary>A plain-HTTP listener: whatever arrives (a ClientHello too) gets an HTTP 400 answer.</summary>
    public static LabListener PlainHttp() => new(async (stream, token) =>
    {
        var buffer = new byte[4096];
        _ = await stream.ReadAsync(buffer, token).ConfigureAwait(false);
        var answer = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 24\r\nConnection: close\r\n\r\nThis is a plain HTTP port";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(answer), token).ConfigureAwait(false);
        await stream.FlushAsync(token).ConfigureAwait(false);
    });

    /// <summary>Accepts connections and never sends a byte, until the lab is disposed.</summary>
    public static LabListener Silent() => new(async (stream, token) =>
    {
        var buffer = new byte[4096];
        while (await stream.ReadAsync(buffer, token).ConfigureAwait(false) > 0)
        {
        }
    }, connectionLifetime: TimeSpan.FromSeconds(60));
}
