using System.Threading.Channels;

namespace CertHeal.Handshake;

/// <summary>
/// Probes many targets (and, with -Protocol, each listed version) with a bounded number in
/// flight and streams each result as it completes. Callers (a cmdlet on its pipeline thread,
/// the CLI) drain the reader; nothing here writes to a host.
/// </summary>
public static class ProbeBatch
{
    public static ChannelReader<HandshakeResult> Run(IReadOnlyList<TlsTarget> targets, ProbeOptions options, int throttleLimit,
        CancellationToken cancellationToken, IReadOnlyList<TlsProtocol?>? protocols = null)
    {
        var work = targets.SelectMany(t => (protocols is { Count: > 0 } ? protocols : [options.Protocol]).Select(p => (Target: t, Protocol: p))).ToList();
        return InterceptionDetector.Watch(Throttled.Stream(work, async (item, token) =>
        {
            var itemOptions = item.Protocol == options.Protocol ? options : options.With(item.Protocol);
            var result = await HandshakeProbe.ProbeAsync(item.Target, itemOptions, token).ConfigureAwait(false);
            // The BouncyCastle fallback already told local policy from server refusal when it ran (ServerProtocols or its Reason).
            if (item.Protocol is { } protocol && !result.Succeeded && result.Failure == HandshakeFailure.ProtocolMismatch
                && result.CapturedBy is null && !result.Reason.Contains("BouncyCastle", StringComparison.Ordinal))
            {
                result.Reason = await ProtocolPolicy.ExplainRefusalAsync(protocol, result.Reason, token).ConfigureAwait(false);
            }
            return result;
        }, throttleLimit, cancellationToken), cancellationToken);
    }

    /// <summary>How many results a batch will produce: one per target and protocol.</summary>
    public static int Count(IReadOnlyList<TlsTarget> targets, IReadOnlyList<TlsProtocol?>? protocols) =>
        targets.Count * Math.Max(1, protocols?.Count ?? 1);
}
