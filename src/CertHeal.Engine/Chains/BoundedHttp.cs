using System.Net;

namespace CertHeal.Chains;

/// <summary>
/// The one bounded HTTP exchange the engine makes to PKI URLs (AIA caIssuers, OCSP responders,
/// CRL distribution points): a time cap over the whole exchange, a size cap on the body (the
/// declared length and the bytes actually read), at most 3 redirects, no decompression. Each
/// caller names what it fetched ("the AIA URL '…'") so the one-sentence errors read the same.
/// </summary>
internal static class BoundedHttp
{
    public static HttpClient CreateClient(TimeSpan connectTimeout) => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = true,
        MaxAutomaticRedirections = 3,
        ConnectTimeout = connectTimeout,
        AutomaticDecompression = DecompressionMethods.None,
        MaxResponseHeadersLength = 64,
        SslOptions = new System.Net.Security.SslClientAuthenticationOptions { RemoteCertificateValidationCallback = Trust.MachineRootsValidation.Accepts },
    })
    {
        Timeout = System.Threading.Timeout.InfiniteTimeSpan,
    };

    /// <summary>The body, or the sentence saying why there is none. Never throws for network or server faults.</summary>
    public static async Task<(byte[]? Body, string? Error)> SendAsync(HttpClient http, Func<HttpRequestMessage> request, string what, TimeSpan timeout,
        int maxBytes, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var message = request();
            using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return (null, $"{what} answered HTTP {(int)response.StatusCode}");
            }
            var tooLarge = $"{what} sent more than {Size(maxBytes)}, so it was not read";
            if (response.Content.Headers.ContentLength > maxBytes)
            {
                return (null, tooLarge);
            }
            var bytes = await ReadBoundedAsync(response.Content, maxBytes, deadline.Token).ConfigureAwait(false);
            return bytes is null ? (null, tooLarge) : (bytes, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, $"{what} did not answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e)
        {
            return (null, $"{what} could not be fetched ({e.Message.TrimEnd('.')})");
        }
    }

    private static string Size(int bytes) => $"{bytes / 1024} KiB";

    private static async Task<byte[]?> ReadBoundedAsync(HttpContent content, int maxBytes, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
