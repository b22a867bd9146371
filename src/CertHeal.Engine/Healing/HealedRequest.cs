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
        var steps = new List<HealStep>();
        request.Options.Set(HealingHttpHandler.StepsKey, steps);
        var clock = Stopwatch.StartNew();
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var healed = steps.Any(s => s.Name is "Merged" or "Renewed");
        return new HealedResponse
        {
            StatusCode = (int)response.StatusCode,
            Headers = response.Headers.Concat(response.Content.Headers).ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase),
            Content = body,
            Healed = healed,
            Attempts = steps.Any(s => s.Name == "Retried") ? 2 : 1,
            Steps = [.. steps],
        };
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
            change = KeystoreMerger.Merge(options.KeystorePath, options.Format, options.Password, report.Path.Select(c => c.Certificate!).ToList(), new MergeOptions
            {
                Policy = options.Policy,
                Revocation = options.Revocation,
                TrustedFingerprints = options.TrustedFingerprints,
                System = options.System,
                Clock = options.Clock,
            }, new SaveOptions { WhatIf = true });
            steps.Add(new HealStep
            {
                Name = "WouldMerge",
                Detail = string.Join("; ", change.Entries.Select(e => $"{e.Action} {e.Subject} (SHA-256 {e.Sha256Fingerprint}): {e.Reason}")),
            });
        }
        return new HealedResponse { Handshake = report.Handshake, Change = change, Steps = [.. steps], Attempts = 0 };
    }
}
