using System.Diagnostics;
using CertHeal.Chains;
using CertHeal.Handshake;
using CertHeal.Keystores;

namespace CertHeal.Healing;

/// <summary>What Invoke-HealedRequest and `certheal request` send.</summary>
public sealed class RequestSpec
{
    public required Uri Uri { get; init; }
    public string Method { get; init; } = "GET";
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
    public byte[]? Body { get; init; }
    public string? ContentType { get; init; }
    public int MaxResponseBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>The User-Agent header; null sends none of our own.</summary>
    public string? UserAgent { get; init; }

    /// <summary>Sent with the first request (see <see cref="RequestAuthentication.Resolve"/>).</summary>
    public System.Net.Http.Headers.AuthenticationHeaderValue? Authorization { get; init; }

    /// <summary>Write the body's bytes here (a full file-system path; replaced if it exists); a folder gets the URI's last segment as the name.</summary>
    public string? OutFile { get; init; }

    /// <summary>Write <see cref="OutFile"/> for a 4xx/5xx answer too (without it an error body is not written).</summary>
    public bool SkipHttpErrorCheck { get; init; }
}

/// <summary>The whole loop around one HTTPS request: fail, collect, merge, confirm, retry.</summary>
public static class HealedRequest
{
    public static async Task<HealedResponse> SendAsync(RequestSpec spec, HealingOptions options, CancellationToken cancellationToken)
    {
        using var handler = new HealingHttpHandler(options);
        using var client = new HttpClient(handler) { Timeout = options.Timeout, MaxResponseContentBufferSize = spec.MaxResponseBytes };
        using var request = new HttpRequestMessage(new HttpMethod(spec.Method), spec.Uri);
        foreach (var (name, value) in spec.Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content ??= new ByteArrayContent(spec.Body ?? []);
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }
        if (spec.Body is not null)
        {
            var content = new ByteArrayContent(spec.Body);
            if (spec.ContentType is not null)
            {
                content.Headers.TryAddWithoutValidation("Content-Type", spec.ContentType);
            }
            request.Content = content;
        }
        if (spec.UserAgent is not null)
        {
            request.Headers.UserAgent.Clear();
            request.Headers.TryAddWithoutValidation("User-Agent", spec.UserAgent);
        }
        if (spec.Authorization is not null)
        {
            request.Headers.Authorization = spec.Authorization;
        }
        var steps = new List<HealStep>();
        request.Options.Set(HealingHttpHandler.StepsKey, steps);
        var changes = new List<KeystoreChange>();
        request.Options.Set(HealingHttpHandler.ChangesKey, changes);
        var clock = Stopwatch.StartNew();
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var body = DecodeBody(response.Content.Headers.ContentType?.CharSet, bytes);
        var healed = steps.Any(s => s.Name is "Merged" or "Renewed");
        string? outFile = null;
        if (spec.OutFile is not null && (spec.SkipHttpErrorCheck || !ResponseContent.IsHttpError((int)response.StatusCode)))
        {
            outFile = OutFilePath(spec.OutFile, spec.Uri);
            await File.WriteAllBytesAsync(outFile, bytes, cancellationToken).ConfigureAwait(false);
        }
        return new HealedResponse
        {
            ContentType = response.Content.Headers.ContentType?.ToString(),
            OutFile = outFile,
            StatusCode = (int)response.StatusCode,
            Headers = response.Headers.Concat(response.Content.Headers).ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase),
            Content = body,
            Healed = healed,
            Attempts = steps.Any(s => s.Name == "Retried") ? 2 : 1,
            Steps = [.. steps],
            Change = changes.LastOrDefault(c => c.Written) ?? changes.LastOrDefault(),
        };
    }

    private static string DecodeBody(string? charset, byte[] bytes)
    {
        var encoding = System.Text.Encoding.UTF8;
        if (!string.IsNullOrWhiteSpace(charset))
        {
            try
            {
                encoding = System.Text.Encoding.GetEncoding(charset.Trim('"'));
            }
            catch (ArgumentException)
            {
                // An unknown charset: UTF-8, as HttpContent.ReadAsStringAsync falls back to.
            }
        }
        return encoding.GetString(bytes);
    }

    /// <summary>-OutFile as PowerShell 7.4+ takes it: a folder means "in there, named after the URI's last segment".</summary>
    private static string OutFilePath(string path, Uri uri)
    {
        if (!Directory.Exists(path))
        {
            return path;
        }
        var name = Uri.UnescapeDataString(uri.Segments.LastOrDefault()?.Trim('/') ?? "");
        if (string.IsNullOrEmpty(name) || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
        {
            throw new IOException($"The output path {path} is a folder and {uri} names no file to create in it; give a file path.");
        }
        return Path.Combine(path, name);
    }

    /// <summary>-WhatIf: diagnose and show what would be trusted; send nothing and write nothing.</summary>
    public static async Task<HealedResponse> DiagnoseAsync(RequestSpec spec, HealingOptions options, CancellationToken cancellationToken)
    {
        var target = TlsTarget.Parse(spec.Uri.GetLeftPart(UriPartial.Authority));
        var trust = HealingTrust.Load(options);
        using var aia = options.NoAia ? null : new AiaFetcher();
        var clock = Stopwatch.StartNew();
        var report = await ChainCollector.CollectAsync(target, new ChainOptions
        {
            Probe = new ProbeOptions { Trust = trust, Timeout = options.Timeout, ClientCertificate = options.ClientCertificate, ClientCertificatePath = options.ClientCertificatePath, Vocabulary = options.Vocabulary ?? NeutralVocabulary.Instance, Clock = options.Clock, Connector = options.Connector ?? ReachConnector.Default, Revocation = options.Revocation },
            Aia = aia,
        }, cancellationToken).ConfigureAwait(false);
        var steps = new List<HealStep> { new() { Name = "Diagnosed", Detail = report.Handshake.Reason, Duration = clock.Elapsed } };
        KeystoreChange? change = null;
        if (!report.Handshake.Succeeded && report.Handshake.Healable)
        {
            change = KeystoreMerger.Merge(options.KeystorePath, options.Format, options.Password, report.Path.Select(c => c.Certificate!).ToList(),
                HealMerge.Options(options, removeSuperseded: false), new SaveOptions { WhatIf = true });
            steps.Add(new HealStep
            {
                Name = "WouldMerge",
                Detail = string.Join("; ", change.Entries.Select(e => $"{e.Action} {e.Subject} (SHA-256 {e.Sha256Fingerprint}): {e.Reason}")),
            });
        }
        return new HealedResponse { Handshake = report.Handshake, Change = change, Steps = [.. steps], Attempts = 0 };
    }
}
