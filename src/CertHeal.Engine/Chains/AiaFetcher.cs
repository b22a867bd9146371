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
            var (certificates, skipped) = Decode(bytes);
            var fetch = AiaFetch.From(url, certificates);
            return skipped == 0 ? fetch : fetch with
            {
                Error = $"the AIA URL '{url}' returned {skipped} certificate{(skipped == 1 ? "" : "s")} that did not decode, skipped",
            };
        }
        catch (Exception e) when (e is CryptographicException or System.Formats.Asn1.AsnContentException or ArgumentException or FormatException)
        {
            return AiaFetch.Failed(url, $"the AIA URL '{url}' did not return a DER certificate or PKCS#7 bundle");
        }
    }

    /// <summary>
    /// caIssuers answers are a DER certificate (.cer/.crt) or a certs-only PKCS#7 (.p7c); PEM is
    /// tolerated. Anything else (a PKCS#12 included: network bytes are never opened as a key
    /// store) is refused. Each certificate is loaded as the keystores load theirs
    /// (<see cref="NonCanonicalCertificate.Load"/>), so one whose dates the platform can read
    /// only lazily fails here, and is skipped and counted, instead of later in a chain walk.
    /// </summary>
    internal static (IReadOnlyList<X509Certificate2> Certificates, int Skipped) Decode(byte[] bytes)
    {
        var encoded = new List<byte[]>();
        if (bytes.Length > 10 && System.Text.Encoding.ASCII.GetString(bytes, 0, Math.Min(bytes.Length, 64)).Contains("-----BEGIN", StringComparison.Ordinal))
        {
            var text = System.Text.Encoding.ASCII.GetString(bytes);
            var offset = 0;
            while (encoded.Count < MaxCertificates && PemEncoding.TryFind(text.AsSpan(offset), out var fields))
            {
                var label = text.AsSpan(offset)[fields.Label];
                if (label.SequenceEqual("CERTIFICATE") || label.SequenceEqual("X509 CERTIFICATE") || label.SequenceEqual("PKCS7"))
                {
                    var der = Convert.FromBase64String(text.AsSpan(offset)[fields.Base64Data].ToString());
                    encoded.AddRange(label.SequenceEqual("PKCS7") ? Pkcs7(der) : [der]);
                }
                offset += fields.Location.End.Value;
            }
        }
        else
        {
            encoded.AddRange(X509Certificate2.GetCertContentType(bytes) switch
            {
                X509ContentType.Cert => [bytes],
                X509ContentType.Pkcs7 => Pkcs7(bytes),
                _ => throw new CryptographicException("neither a certificate nor PKCS#7"),
            });
        }
        var certificates = new List<X509Certificate2>();
        var skipped = 0;
        foreach (var der in encoded.Take(MaxCertificates))
        {
            try
            {
                certificates.Add(NonCanonicalCertificate.Load(der));
            }
            catch (Exception e) when (e is CryptographicException or System.Formats.Asn1.AsnContentException or ArgumentException)
            {
                skipped++;
            }
        }
        if (certificates.Count == 0)
        {
            throw new CryptographicException("no certificate");
        }
        return (certificates, skipped);
    }

    private const int MaxCertificates = 16;

    /// <summary>The certificates of a certs-only PKCS#7, as encoded.</summary>
    private static IEnumerable<byte[]> Pkcs7(byte[] der)
    {
        var collection = new X509Certificate2Collection();
        collection.Import(der);
        return collection.Cast<X509Certificate2>().Take(MaxCertificates).Select(c =>
        {
            using (c)
            {
                return c.RawData;
            }
        }).ToList();
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>What one AIA URL gave: certificates, or the one-sentence reason it gave none.</summary>
public sealed record AiaFetch(string Url, IReadOnlyList<X509Certificate2> Certificates, string? Error)
{
    public static AiaFetch Failed(string url, string error) => new(url, [], error);
    public static AiaFetch From(string url, IReadOnlyList<X509Certificate2> certificates) => new(url, certificates, null);
}
