using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Chains;

/// <summary>
/// Fetches issuer certificates from AIA caIssuers URLs with every limit a hostile or broken
/// server calls for: http/https only, a time and size cap per fetch, a per-run cache so one
/// URL is fetched once however many targets name it.
/// </summary>
public sealed class AiaFetcher : IDisposable
{
    public const int DefaultMaxBytes = 1024 * 1024;
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    private readonly HttpClient _http;
    private readonly Dictionary<string, Task<AiaFetch>> _cache = new(StringComparer.Ordinal);

    public AiaFetcher(TimeSpan? timeout = null, int maxBytes = DefaultMaxBytes)
    {
        Timeout = timeout ?? DefaultTimeout;
        MaxBytes = maxBytes;
        _http = BoundedHttp.CreateClient(Timeout);
    }

    public TimeSpan Timeout { get; }
    public int MaxBytes { get; }

    /// <summary>How many network fetches this instance made (cache hits excluded).</summary>
    public int NetworkFetches { get; private set; }

    public Task<AiaFetch> FetchAsync(string url, CancellationToken cancellationToken)
    {
        lock (_cache)
        {
            if (!_cache.TryGetValue(url, out var task))
            {
                NetworkFetches++;
                task = _cache[url] = FetchUncachedAsync(url, cancellationToken);
            }
            return task;
        }
    }

    private async Task<AiaFetch> FetchUncachedAsync(string url, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return AiaFetch.Failed(url, $"the AIA URL '{url}' is not http or https, so it was not fetched");
        }
        var (bytes, error) = await BoundedHttp.SendAsync(_http, () => new HttpRequestMessage(HttpMethod.Get, uri), $"the AIA URL '{url}'", Timeout, MaxBytes,
            cancellationToken).ConfigureAwait(false);
        if (bytes is null)
        {
            return AiaFetch.Failed(url, error!);
        }
        try
        {
            return AiaFetch.From(url, Decode(bytes));
        }
        catch (CryptographicException)
        {
            return AiaFetch.Failed(url, $"the AIA URL '{url}' did not return a DER certificate or PKCS#7 bundle");
        }
    }

    /// <summary>caIssuers answers are a DER certificate (.cer/.crt) or a certs-only PKCS#7 (.p7c); PEM is tolerated.</summary>
    internal static IReadOnlyList<X509Certificate2> Decode(byte[] bytes)
    {
        var collection = new X509Certificate2Collection();
        if (bytes.Length > 10 && System.Text.Encoding.ASCII.GetString(bytes, 0, Math.Min(bytes.Length, 64)).Contains("-----BEGIN", StringComparison.Ordinal))
        {
            collection.ImportFromPem(System.Text.Encoding.ASCII.GetString(bytes));
        }
        else
        {
            collection.Import(bytes);
        }
        if (collection.Count == 0)
        {
            throw new CryptographicException("no certificate");
        }
        return collection.Cast<X509Certificate2>().Take(16).ToList();
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>What one AIA URL gave: certificates, or the one-sentence reason it gave none.</summary>
public sealed record AiaFetch(string Url, IReadOnlyList<X509Certificate2> Certificates, string? Error)
{
    public static AiaFetch Failed(string url, string error) => new(url, [], error);
    public static AiaFetch From(string url, IReadOnlyList<X509Certificate2> certificates) => new(url, certificates, null);
}
