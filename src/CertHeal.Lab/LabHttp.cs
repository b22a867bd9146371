using System.Text;

namespace CertHeal.Lab;

/// <summary>The smallest HTTP/1.1 responder the lab needs: read one request head, answer, close.</summary>
internal static class LabHttp
{
    private const int MaxHead = 16 * 1024;

    public static async Task AnswerOneRequestAsync(Stream stream, string body, CancellationToken token)
    {
        var buffer = new byte[MaxHead];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), token).ConfigureAwait(false);
            if (n == 0)
            {
                return;
            }
            read += n;
            if (Encoding.ASCII.GetString(buffer, 0, read).Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                break;
            }
        }
        var content = Encoding.UTF8.GetBytes(body);
        var head = $"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {content.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), token).ConfigureAwait(false);
        await stream.WriteAsync(content, token).ConfigureAwait(false);
        await stream.FlushAsync(token).ConfigureAwait(false);
    }
}
