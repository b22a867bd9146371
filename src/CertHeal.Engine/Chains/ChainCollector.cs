using System.Threading.Channels;
using CertHeal.Handshake;
using CertHeal.Trust;

namespace CertHeal.Chains;

/// <summary>What Get-ServerCertificateChain needs beyond a probe: AIA and its limits.</summary>
public sealed class ChainOptions
{
    public required ProbeOptions Probe { get; init; }

    /// <summary>Null turns AIA off (-NoAia).</summary>
    public AiaFetcher? Aia { get; init; }
}

/// <summary>One target's chain: the handshake that produced it and one object per certificate.</summary>
public sealed class ChainReport
{
    public required HandshakeResult Handshake { get; init; }
    public required IReadOnlyList<ChainCertificate> Certificates { get; init; }

    /// <summary>The path from the leaf up (no duplicates or unrelated certificates): what -OutFile writes.</summary>
    public IReadOnlyList<ChainCertificate> Path { get; init; } = [];

    /// <summary>True when the completed path ends at a trusted anchor.</summary>
    public bool Complete { get; init; }

    /// <summary>Why AIA did not complete the path (empty when it did or was not needed).</summary>
    public IReadOnlyList<string> AiaProblems { get; init; } = [];
}

/// <summary>
/// Get-ServerCertificateChain's engine: one handshake per target captures exactly what the
/// server sent (trusted or not), then the path is completed from local anchors and AIA.
/// </summary>
public static class ChainCollector
{
    public static async Task<ChainReport> CollectAsync(TlsTarget target, ChainOptions options, CancellationToken cancellationToken)
    {
        var trust = options.Probe.Trust ?? TrustAnchors.System;
        var (handshake, presented) = await HandshakeProbe.ProbeWithCertificatesAsync(target, options.Probe, cancellationToken).ConfigureAwait(false);
        if (presented.Count == 0)
        {
            return new ChainReport { Handshake = handshake, Certificates = [] };
        }
        var now = options.Probe.Clock.GetUtcNow().UtcDateTime;
        var completion = await ChainCompleter.CompleteAsync(presented, trust, options.Aia, now, cancellationToken).ConfigureAwait(false);
        var top = completion.Path[^1];
        var certificates = completion.Certificates.Select((entry, position) =>
        {
            var item = ChainCertificateFactory.Create(entry.Certificate, target.Display, position, entry.Source, now,
                position == 0 ? CertificateRole.Leaf : null);
            item.Note = entry.Note;
            item.ServerName = target.ServerName;
            // The probe checked revocation on what the server sent; its answer travels with the certificate.
            if (handshake.PresentedChain.FirstOrDefault(c => c.Certificate is { } sent && ChainCompleter.Same(sent, entry.Certificate)) is { } probed)
            {
                (item.Revocation, item.RevocationSource, item.RevocationDetail) = (probed.Revocation, probed.RevocationSource, probed.RevocationDetail);
            }
            if (entry.Flag is { } flag)
            {
                item.Status = flag;
            }
            else if (item.Status == CertificateStatus.Valid && ChainCompleter.Same(entry.Certificate, top) && completion.ReachesRoot && !trust.Contains(top))
            {
                item.Status = CertificateStatus.Untrusted;
            }
            return item;
        }).ToList();
        if (handshake.Failure == HandshakeFailure.IncompleteChain)
        {
            handshake.AiaWouldComplete = completion.ReachesTrustedRoot && certificates.Any(c => c.Source == CertificateSource.Aia);
        }
        var path = completion.Path.Select(p => certificates.First(c => c.Status != CertificateStatus.Duplicate && ChainCompleter.Same(c.Certificate!, p))).ToList();
        return new ChainReport
        {
            Handshake = handshake,
            Certificates = certificates,
            Path = path,
            Complete = completion.ReachesTrustedRoot,
            AiaProblems = completion.AiaProblems,
        };
    }

    /// <summary>Many targets, bounded parallelism, reports streamed as they complete.</summary>
    public static ChannelReader<ChainReport> Run(IReadOnlyList<TlsTarget> targets, ChainOptions options, int throttleLimit, CancellationToken cancellationToken) =>
        Throttled.Stream(targets, (target, token) => CollectAsync(target, options, token), throttleLimit, cancellationToken);
}
