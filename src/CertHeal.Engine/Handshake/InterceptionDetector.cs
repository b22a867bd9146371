using System.Threading.Channels;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Handshake;

/// <summary>
/// Recognises a TLS-inspecting proxy (corporate "SSL inspection": the proxy re-signs every site
/// with its own root) so the Reason says so instead of blaming the server: by the issuer names
/// of the common inspection products, or, within one run, by the same untrusted root signing
/// the chains of several different targets, which no two independent servers do.
/// </summary>
internal static class InterceptionDetector
{
    private static readonly string[] Products =
    [
        "Zscaler", "Blue Coat", "BlueCoat", "Symantec Web Security", "Palo Alto Networks", "Fortinet", "FortiGate", "Netskope", "Forcepoint",
        "Websense", "Cisco Umbrella", "Sophos", "Check Point", "McAfee Web Gateway", "Skyhigh", "Barracuda", "Menlo Security", "iboss",
        "Cloudflare Gateway", "Kaspersky Anti-Virus", "Avast Web/Mail Shield", "AVG Web/Mail Shield", "ESET SSL Filter", "Bitdefender Personal CA",
        "mitmproxy", "Charles Proxy", "Fiddler", "Burp Suite", "PortSwigger",
    ];

    /// <summary>The inspection product named by the top certificate's subject or issuer, or null.</summary>
    public static string? KnownProduct(X509Certificate2? top)
    {
        if (top is null)
        {
            return null;
        }
        return Products.FirstOrDefault(p => top.Subject.Contains(p, StringComparison.OrdinalIgnoreCase) || top.Issuer.Contains(p, StringComparison.OrdinalIgnoreCase));
    }

    public static string Describe(string where, string product, X509Certificate2 top, string fingerprint) =>
        $"{where} was answered with a chain issued by '{top.Issuer}', the root of a TLS-inspecting proxy ({product}), not by the server's own CA; "
        + $"if your network inspects TLS on purpose, confirm the fingerprint {fingerprint} with its administrators and pin that root deliberately.";

    /// <summary>
    /// Passes a run's results through, holding back only those that failed on an untrusted root
    /// until the run ends: when every one of two or more different targets ended in the same
    /// untrusted root, their Reasons name the interception. Other results stream at once.
    /// </summary>
    public static ChannelReader<HandshakeResult> Watch(ChannelReader<HandshakeResult> results, CancellationToken cancellationToken)
    {
        var output = Channel.CreateUnbounded<HandshakeResult>();
        _ = Task.Run(async () =>
        {
            var held = new List<HandshakeResult>();
            var others = 0;
            try
            {
                await foreach (var result in results.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (result.Failure is HandshakeFailure.UntrustedRoot or HandshakeFailure.SelfSigned && result.PresentedChain.Length > 0
                        && !result.Reason.Contains("TLS-inspecting", StringComparison.Ordinal))
                    {
                        held.Add(result);
                        continue;
                    }
                    others++;
                    await output.Writer.WriteAsync(result, cancellationToken).ConfigureAwait(false);
                }
                if (others == 0)
                {
                    Annotate(held);
                }
                foreach (var result in held)
                {
                    await output.Writer.WriteAsync(result, cancellationToken).ConfigureAwait(false);
                }
                output.Writer.TryComplete();
            }
            catch (Exception e)
            {
                output.Writer.TryComplete(e);
            }
        }, CancellationToken.None);
        return output.Reader;
    }

    private static void Annotate(List<HandshakeResult> results)
    {
        string RootOf(HandshakeResult r) => r.PresentedChain[^1] is { IsSelfSigned: true } top ? top.Subject : r.PresentedChain[^1].Issuer;
        var targets = results.Select(r => r.Target).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var roots = results.Select(RootOf).Distinct(StringComparer.Ordinal).ToList();
        var leaves = results.Select(r => r.PresentedChain[0].Sha256Fingerprint).Distinct(StringComparer.OrdinalIgnoreCase).Count();
        if (targets.Count < 2 || roots.Count != 1 || leaves < 2)
        {
            return;
        }
        var fingerprint = results.Select(r => r.PresentedChain[^1]).FirstOrDefault(c => c.IsSelfSigned)?.Sha256Fingerprint;
        foreach (var result in results)
        {
            result.Reason = $"Every target in this run ({string.Join(", ", targets.Take(4))}{(targets.Count > 4 ? ", ..." : "")}) presented a chain ending in '{roots[0]}': "
                + $"a TLS-inspecting proxy is likely re-signing these connections (unless they all share one private CA); if your network inspects TLS on purpose, "
                + $"pin that root deliberately{(fingerprint is null ? " (get it from your network's administrators)" : $" after confirming its fingerprint {fingerprint}")}. " + result.Reason;
        }
    }
}
