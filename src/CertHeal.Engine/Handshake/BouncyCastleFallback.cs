using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Trust;

namespace CertHeal.Handshake;

/// <summary>What the BouncyCastle fallback captured and concluded for one target.</summary>
internal sealed class FallbackResult
{
    public required Outcome Outcome { get; init; }
    public List<X509Certificate2> Certificates { get; } = [];
    public TlsProtocol? Version { get; init; }
    public string? CipherSuite { get; init; }
    public List<TlsProtocol> ServerProtocols { get; } = [];
    public List<string> ServerCipherSuites { get; } = [];

    /// <summary>The DH prime size when the server chose a DHE suite.</summary>
    public int? DhGroupBits { get; init; }

    /// <summary>Copies the capture onto the probe's result and presented list.</summary>
    public void ApplyTo(HandshakeResult result, List<X509Certificate2> presented)
    {
        if (Certificates.Count > 0)
        {
            presented.Clear();
            presented.AddRange(Certificates);
            result.CapturedBy = TlsStack.BouncyCastle;
        }
        if (Version is { } version)
        {
            result.Protocol ??= version.ToString();
        }
        result.CipherSuite ??= CipherSuite;
        result.ServerProtocols = ServerProtocols.OrderBy(v => v).Select(v => v.ToString()).ToArray();
        result.ServerCipherSuites = [.. ServerCipherSuites];
    }
}

/// <summary>
/// When SslStream cannot finish a handshake without having seen a certificate (a version or suite
/// this machine's policy forbids, or a legacy server), BouncyCastle's client tries with every
/// version and suite, captures the chain so the other stages still work, finds out which versions
/// and suites the server accepts (bounded: at most <see cref="MaxAttempts"/> connections within
/// the probe's timeout), and tells "forbidden by this machine's policy" (a loopback self-test
/// fails too) apart from "refused by the server" and "no cipher suite in common".
/// </summary>
internal static class BouncyCastleFallback
{
    public const int MaxAttempts = 40;

    private static readonly TlsProtocol[] AllVersions = [TlsProtocol.Tls13, TlsProtocol.Tls12, TlsProtocol.Tls11, TlsProtocol.Tls];

    /// <summary>The platform failed before any certificate and not for a reason another TLS client would fix (timeout, not TLS, connection refused).</summary>
    public static bool Applies(ProbeState state, Outcome platform) =>
        !state.CertificateSeen && state.HandshakeError is not null && platform.Failure is HandshakeFailure.ProtocolMismatch or HandshakeFailure.Other;

    public static async Task<FallbackResult> RunAsync(TlsTarget target, ProbeOptions options, Outcome platform, TrustAnchors trust, DateTime nowUtc,
        CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Timeout);
        var token = deadline.Token;
        var versions = options.Protocol is { } only ? new[] { only } : AllVersions;
        var suites = BouncyCastleClient.AllSuites;
        var main = await BouncyCastleClient.RunAsync(target, options.Connector, versions, suites, helloOnly: false, token).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();

        var serverProtocols = new List<TlsProtocol>();
        var serverSuites = new List<string>();
        if (main.Accepted)
        {
            await EnumerateAsync(target, options, versions, main, serverProtocols, serverSuites, token).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
        var outcome = await ClassifyAsync(target, options, platform, main, serverProtocols, serverSuites, trust, nowUtc, cancellationToken).ConfigureAwait(false);
        var result = new FallbackResult
        {
            Outcome = outcome,
            Version = main.Version,
            CipherSuite = main.CipherSuite is { } s ? BouncyCastleClient.Name(s) : null,
            DhGroupBits = main.DhGroupBits,
        };
        result.Certificates.AddRange(Loadable(main.Certificates));
        result.ServerProtocols.AddRange(serverProtocols);
        result.ServerCipherSuites.AddRange(serverSuites);
        return result;
    }

    /// <summary>Each lower version alone, then per accepted version the suites one by one (offer all, remove the one chosen, repeat).</summary>
    private static async Task EnumerateAsync(TlsTarget target, ProbeOptions options, IReadOnlyList<TlsProtocol> versions, BouncyCastleAttempt main,
        List<TlsProtocol> serverProtocols, List<string> serverSuites, CancellationToken token)
    {
        var attempts = 1;
        serverProtocols.Add(main.Version!.Value);
        try
        {
            foreach (var version in versions.Where(v => v < main.Version))
            {
                if (++attempts > MaxAttempts)
                {
                    return;
                }
                var only = await BouncyCastleClient.RunAsync(target, options.Connector, [version], Valid(version), helloOnly: true, token).ConfigureAwait(false);
                if (only.Accepted && only.Version == version)
                {
                    serverProtocols.Add(version);
                }
            }
            foreach (var version in serverProtocols.ToArray())
            {
                var offered = Valid(version).ToList();
                while (offered.Count > 0 && ++attempts <= MaxAttempts)
                {
                    var next = await BouncyCastleClient.RunAsync(target, options.Connector, [version], offered, helloOnly: true, token).ConfigureAwait(false);
                    if (!next.Accepted || next.Version != version || !offered.Remove(next.CipherSuite!.Value))
                    {
                        break;
                    }
                    var name = BouncyCastleClient.Name(next.CipherSuite.Value);
                    if (!serverSuites.Contains(name))
                    {
                        serverSuites.Add(name);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
        }
        catch (OperationCanceledException)
        {
            // The probe's time is up: report what was found so far.
        }
    }

    private static IReadOnlyList<int> Valid(TlsProtocol version)
    {
        var bc = BouncyCastleClient.ToVersion(version);
        return BouncyCastleClient.AllSuites.Where(s => Org.BouncyCastle.Tls.TlsUtilities.IsValidVersionForCipherSuite(s, bc)).ToArray();
    }

    private static async Task<Outcome> ClassifyAsync(TlsTarget target, ProbeOptions options, Outcome platform, BouncyCastleAttempt main,
        List<TlsProtocol> serverProtocols, List<string> serverSuites, TrustAnchors trust, DateTime nowUtc, CancellationToken cancellationToken)
    {
        var where = target.Display;
        if (!main.Accepted)
        {
            if (options.Protocol is { } requested)
            {
                var local = await ProtocolPolicy.IsAllowedAsync(requested, cancellationToken).ConfigureAwait(false);
                var version = TlsProtocols.Describe(requested);
                return local
                    ? new(HandshakeFailure.ProtocolMismatch, $"{where} refuses {version} (BouncyCastle's {version} client, offering every suite, was refused too: {main.Error}); try another {options.Vocabulary.Name(HostOption.Protocol)}, or the server must enable {version}.")
                    : new(HandshakeFailure.ProtocolMismatch, $"{version} is disabled by this machine's TLS policy (a loopback self-test fails too), and {where} refuses it as well (BouncyCastle's {version} client: {main.Error}).");
            }
            return platform with { Reason = platform.Reason.TrimEnd('.') + $"; BouncyCastle's client (TLS 1.0 to 1.3, every suite with a certificate) could not complete a handshake either: {main.Error}." };
        }

        var negotiated = main.Version!.Value;
        var suite = BouncyCastleClient.Name(main.CipherSuite!.Value);
        var versions = string.Join(", ", serverProtocols.OrderBy(v => v).Select(TlsProtocols.Describe));
        var captured = main.Certificates.Count > 0
            ? "the chain was captured with BouncyCastle"
            : $"BouncyCastle saw no certificate ({main.Error ?? "none was sent"})";
        var (chainNote, trustedBy) = ChainNote(main, trust, nowUtc);
        if (!await ProtocolPolicy.IsAllowedAsync(negotiated, cancellationToken).ConfigureAwait(false))
        {
            var accepts = options.Protocol is null ? $"accepts only {versions}" : $"accepts {TlsProtocols.Describe(negotiated)}";
            return new(HandshakeFailure.ProtocolMismatch,
                $"{where} {accepts} (with {suite}), which this machine's TLS policy forbids (a loopback self-test fails too; OpenSSL 3 allows TLS 1.0 and 1.1 only at security level 0); {captured}{chainNote}; the server must enable TLS 1.2 or later.", trustedBy);
        }
        var offered = PlatformOffer(negotiated);
        // The platform refused before any certificate ("handshake failure", "no shared cipher") at a
        // version this machine allows and BouncyCastle completed: the suite, not the version, is what
        // is not shared. .NET names suites (3DES, RC4) that the local OpenSSL build cannot run, so
        // the platform's own refusal decides, not the names it would offer.
        var unrunnable = offered.Contains(suite, StringComparer.Ordinal) && platform.Failure == HandshakeFailure.ProtocolMismatch;
        if (!offered.Contains(suite, StringComparer.Ordinal) || unrunnable)
        {
            var server = serverSuites.Count > 0 ? string.Join(", ", serverSuites) : suite;
            var client = unrunnable ? "this machine's OpenSSL does not enable them" : $"this client offers {Summarize(offered)}";
            return new(HandshakeFailure.CipherMismatch,
                $"{where} and this client share {TlsProtocols.Describe(negotiated)} but no cipher suite in common: the server offers {server}, {client}; {captured}{chainNote}; the server must enable a modern suite (ECDHE with AES-GCM or CHACHA20-POLY1305).", trustedBy);
        }
        return platform with { Reason = platform.Reason.TrimEnd('.') + $"; BouncyCastle completed {TlsProtocols.Describe(negotiated)} with {suite}, {captured}{chainNote}." };
    }

    /// <summary>The trust verdict of a BouncyCastle capture, as a clause for the Reason.</summary>
    /// <summary>TrustedBy is the anchors' name when the captured chain is trusted (HandshakeResult.TrustedBy), else null.</summary>
    private static (string Note, string? TrustedBy) ChainNote(BouncyCastleAttempt main, TrustAnchors trust, DateTime nowUtc)
    {
        if (main.Certificates.Count == 0)
        {
            return ("", null);
        }
        var chain = Loadable(main.Certificates);
        var verdict = ChainTrustEvaluator.Evaluate(chain, trust, nowUtc);
        return verdict.Trusted ? ($" (trusted by {trust.Name})", trust.Name) : ($" ({verdict.Failure}: {verdict.Detail})", null);
    }

    /// <summary>
    /// The captured certificates the platform can load, in order. BouncyCastle's parser accepts
    /// encodings the platform's refuses (a damaged key or date, a non-DER time): those are left
    /// out (the chain then reads as incomplete or untrusted) instead of throwing out of the probe.
    /// </summary>
    internal static List<X509Certificate2> Loadable(IEnumerable<byte[]> captured)
    {
        var certificates = new List<X509Certificate2>();
        foreach (var der in captured)
        {
            try
            {
                certificates.Add(NonCanonicalCertificate.Load(der));
            }
            catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or System.Formats.Asn1.AsnContentException or ArgumentException)
            {
            }
        }
        return certificates;
    }

    /// <summary>The suites SslStream offers for a version with the broad policy (IANA names).</summary>
    private static IReadOnlyList<string> PlatformOffer(TlsProtocol version)
    {
        var tls13 = version == TlsProtocol.Tls13;
        return BroadCipherPolicy.Suites.Select(s => s.ToString())
            .Where(n => tls13 == !n.Contains("_WITH_", StringComparison.Ordinal))
            .ToArray();
    }

    private static string Summarize(IReadOnlyList<string> suites) =>
        suites.Count <= 6 ? string.Join(", ", suites) : string.Join(", ", suites.Take(6)) + $" and {suites.Count - 6} more";
}
