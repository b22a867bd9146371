using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Chains;
using Org.BouncyCastle.X509;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace CertHeal.Revocation;

/// <summary>
/// Checks every certificate of a built path against its issuer (the next element): OCSP first
/// (the AIA responder, RFC 6960), then the CRL distribution points (RFC 5280) when OCSP gave no
/// answer, as Chromium's and Java's online checks order them. A self-signed anchor is not
/// checked (RFC 5280 6.1: the trust anchor is outside the path). Stapled OCSP is not read:
/// SslStream does not expose the stapled response, and asking BouncyCastle's client for it
/// would cost a second handshake per probe; the responder is asked directly instead.
/// Bounded: a time cap per request, 1 MiB per OCSP response and 10 MiB per CRL, at most 3
/// redirects, http URLs only, at most <see cref="MaxFetchesPerChain"/> network requests per path;
/// answers are cached process-wide until their nextUpdate (<see cref="RevocationCache{T}"/>).
/// </summary>
internal static class RevocationChecker
{
    public const int MaxFetchesPerChain = 8;
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    private static readonly HttpClient Http = BoundedHttp.CreateClient(TimeSpan.FromSeconds(30));
    internal static readonly RevocationCache<CertificateRevocation> OcspAnswers = new(4096);
    internal static readonly RevocationCache<X509Crl> Crls = new(64);

    /// <summary>Good and Revoked answers per certificate and issuer (their bytes), until the answer's nextUpdate.</summary>
    internal static readonly RevocationCache<CertificateRevocation> Answers = new(4096);
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Task<CertificateRevocation>> InFlight = new(StringComparer.Ordinal);

    /// <summary>One answer per path element, same order; all NotChecked when <paramref name="mode"/> is Off.</summary>
    public static async Task<CertificateRevocation[]> CheckPathAsync(IReadOnlyList<X509Certificate2> path, RevocationCheckMode mode, TimeSpan timeout,
        DateTime nowUtc, CancellationToken cancellationToken)
    {
        var answers = new CertificateRevocation[path.Count];
        if (mode == RevocationCheckMode.Off)
        {
            Array.Fill(answers, CertificateRevocation.NotChecked("revocation checking is off"));
            return answers;
        }
        var budget = new FetchBudget(MaxFetchesPerChain);
        for (var i = 0; i < path.Count; i++)
        {
            var issuer = i + 1 < path.Count ? path[i + 1] : null;
            answers[i] = await CheckAsync(path[i], issuer, timeout, nowUtc, budget, cancellationToken).ConfigureAwait(false);
        }
        return answers;
    }

    /// <summary>One certificate against its issuer (null when the path has none above it).</summary>
    /// <remarks>
    /// A batch presents the same certificates again and again (10,000 targets behind a few
    /// hundred leaves and a handful of intermediates): a certificate answered Good or Revoked is
    /// answered from memory, keyed by its and its issuer's bytes, before anything is parsed, and
    /// probes that ask for the same certificate at the same time share one check (the first 256
    /// probes of a batch asked the responder for the same intermediate 256 times).
    /// </remarks>
    public static async Task<CertificateRevocation> CheckAsync(X509Certificate2 certificate, X509Certificate2? issuer, TimeSpan timeout, DateTime nowUtc,
        FetchBudget budget, CancellationToken cancellationToken)
    {
        if (CertificateFacts.IsSelfSigned(certificate))
        {
            return CertificateRevocation.NotChecked("a self-signed certificate is an anchor; anchors are not checked for revocation");
        }
        if (issuer is null)
        {
            return await CheckUncachedAsync(certificate, issuer, timeout, nowUtc, budget, cancellationToken).ConfigureAwait(false);
        }
        var key = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(certificate.RawDataMemory.Span))
            + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(issuer.RawDataMemory.Span));
        if (Answers.Get(key, nowUtc) is { } known)
        {
            return known;
        }
        var mine = new TaskCompletionSource<CertificateRevocation>(TaskCreationOptions.RunContinuationsAsynchronously);
        var flight = InFlight.GetOrAdd(key, mine.Task);
        if (flight != mine.Task)
        {
            try
            {
                return await flight.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The check this caller shared was cancelled by its own caller (a request of the
                // handler given up, say), not by this one: this caller checks for itself.
                return await CheckUncachedAsync(certificate, issuer, timeout, nowUtc, budget, cancellationToken).ConfigureAwait(false);
            }
        }
        try
        {
            var answer = await CheckUncachedAsync(certificate, issuer, timeout, nowUtc, budget, cancellationToken).ConfigureAwait(false);
            if (answer.Status is RevocationStatus.Good or RevocationStatus.Revoked && answer.ValidUntil is { } until)
            {
                Answers.Put(key, answer, until, nowUtc);
            }
            mine.SetResult(answer);
            return answer;
        }
        catch (Exception e)
        {
            mine.SetException(e);
            _ = mine.Task.Exception; // observed here; a sharer that awaits it sees it too
            throw;
        }
        finally
        {
            InFlight.TryRemove(new KeyValuePair<string, Task<CertificateRevocation>>(key, mine.Task));
        }
    }

    private static async Task<CertificateRevocation> CheckUncachedAsync(X509Certificate2 certificate, X509Certificate2? issuer, TimeSpan timeout, DateTime nowUtc,
        FetchBudget budget, CancellationToken cancellationToken)
    {
        var ocspUrls = RevocationUrls.Ocsp(certificate);
        var crlUrls = RevocationUrls.Crl(certificate);
        if (ocspUrls.Count + crlUrls.Count == 0)
        {
            return CertificateRevocation.NotChecked($"'{certificate.Subject}' names no http OCSP responder and no http CRL");
        }
        if (issuer is null || issuer.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData) is false)
        {
            return CertificateRevocation.Unknown($"the issuer of '{certificate.Subject}' is not in the path, so no OCSP or CRL answer can be verified");
        }
        BcCertificate bcCertificate, bcIssuer;
        try
        {
            var parser = new X509CertificateParser();
            bcCertificate = parser.ReadCertificate(certificate.RawData);
            bcIssuer = parser.ReadCertificate(issuer.RawData);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return CertificateRevocation.Unknown($"'{certificate.Subject}' or its issuer could not be parsed for revocation checking ({e.GetType().Name})");
        }

        var failures = new List<string>();
        foreach (var url in ocspUrls)
        {
            var answer = await OcspAsync(url, bcCertificate, bcIssuer, timeout, nowUtc, budget, cancellationToken).ConfigureAwait(false);
            if (answer.Status is RevocationStatus.Good or RevocationStatus.Revoked)
            {
                return answer;
            }
            failures.Add(answer.Detail);
        }
        foreach (var url in crlUrls)
        {
            var answer = await CrlAsync(url, bcCertificate, bcIssuer, timeout, nowUtc, budget, cancellationToken).ConfigureAwait(false);
            if (answer.Status is RevocationStatus.Good or RevocationStatus.Revoked)
            {
                return answer;
            }
            failures.Add(answer.Detail);
        }
        return CertificateRevocation.Unknown($"the revocation status of '{certificate.Subject}' is unknown: {string.Join("; ", failures)}");
    }

    private static async Task<CertificateRevocation> OcspAsync(Uri url, BcCertificate certificate, BcCertificate issuer, TimeSpan timeout, DateTime nowUtc,
        FetchBudget budget, CancellationToken cancellationToken)
    {
        var request = OcspCheck.Request(certificate, issuer, out var id);
        var key = OcspCheck.CacheKey(id);
        if (OcspAnswers.Get(key, nowUtc) is { } cached)
        {
            return cached;
        }
        var source = $"the OCSP responder {url}";
        if (!budget.TryTake())
        {
            return CertificateRevocation.Unknown($"{source} was not asked: the limit of {MaxFetchesPerChain} revocation requests per chain was reached");
        }
        var (body, error) = await BoundedHttp.SendAsync(Http, () => new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new ByteArrayContent(request) { Headers = { ContentType = new MediaTypeHeaderValue("application/ocsp-request") } },
        }, source, timeout, OcspCheck.MaxBytes, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return CertificateRevocation.Unknown(error!);
        }
        var answer = OcspCheck.Judge(body, id, certificate, issuer, source, nowUtc);
        if (answer.ValidUntil is { } until)
        {
            OcspAnswers.Put(key, answer, until, nowUtc);
        }
        return answer;
    }

    private static async Task<CertificateRevocation> CrlAsync(Uri url, BcCertificate certificate, BcCertificate issuer, TimeSpan timeout, DateTime nowUtc,
        FetchBudget budget, CancellationToken cancellationToken)
    {
        var source = $"the CRL {url}";
        var key = url.AbsoluteUri + "|" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(issuer.GetEncoded()));
        var crl = Crls.Get(key, nowUtc);
        if (crl is null)
        {
            if (!budget.TryTake())
            {
                return CertificateRevocation.Unknown($"{source} was not fetched: the limit of {MaxFetchesPerChain} revocation requests per chain was reached");
            }
            var (body, error) = await BoundedHttp.SendAsync(Http, () => new HttpRequestMessage(HttpMethod.Get, url), source, timeout, CrlCheck.MaxBytes,
                cancellationToken).ConfigureAwait(false);
            if (body is null)
            {
                return CertificateRevocation.Unknown(error!);
            }
            (crl, error) = CrlCheck.Parse(body, issuer, source);
            if (crl is null)
            {
                return CertificateRevocation.Unknown(error!);
            }
            if (crl.NextUpdate is { } next)
            {
                Crls.Put(key, crl, next, nowUtc);
            }
        }
        return CrlCheck.Judge(crl, certificate, source, nowUtc);
    }
}
