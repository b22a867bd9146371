using System.Security.Cryptography.X509Certificates;
using CertHeal.Trust;

namespace CertHeal.Handshake;

/// <summary>How one handshake probe runs. Defaults match Test-TlsHandshake's parameters.</summary>
public sealed class ProbeOptions
{
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Limit the handshake to one version; null lets the machine choose.</summary>
    public TlsProtocol? Protocol { get; init; }

    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>The file ClientCertificate was read from, when the host knows it, so a remedy can name it again.</summary>
    public string? ClientCertificatePath { get; init; }

    /// <summary>How Reasons name options and how a Remedy becomes HandshakeResult.Recommendation: the host's words.</summary>
    public IHostVocabulary Vocabulary { get; init; } = NeutralVocabulary.Instance;

    /// <summary>What the presented chain is judged against; null means the system's roots.</summary>
    public TrustAnchors? Trust { get; init; }

    /// <summary>
    /// How long to wait, after a handshake in which the server asked for a client
    /// certificate, for the server's verdict on it (TLS 1.3 reports that rejection after the
    /// handshake).
    /// </summary>
    public TimeSpan PostHandshakeWait { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How to reach the target; the default honours HTTPS_PROXY/NO_PROXY and the target's STARTTLS scheme.</summary>
    public IConnector Connector { get; init; } = ReachConnector.Default;

    /// <summary>
    /// When set, an incomplete chain is followed through AIA (bounded) to fill
    /// HandshakeResult.AiaWouldComplete; null keeps the probe off the network beyond the target.
    /// </summary>
    public Chains.AiaFetcher? Aia { get; init; }

    /// <summary>The clock; tests move it to judge validity windows.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>
    /// Whether the path's certificates are checked by OCSP and CRL (-RevocationCheck): the probe's
    /// default is SoftFail (a revoked certificate fails, an unanswered check does not).
    /// </summary>
    public RevocationCheckMode Revocation { get; init; } = RevocationCheckMode.SoftFail;

    /// <summary>The time cap of one OCSP or CRL request.</summary>
    public TimeSpan RevocationTimeout { get; init; } = CertHeal.Revocation.RevocationChecker.DefaultTimeout;
}

internal static class ProbeOptionsExtensions
{
    public static ProbeOptions With(this ProbeOptions options, TlsProtocol? protocol) => new()
    {
        Timeout = options.Timeout,
        Protocol = protocol,
        ClientCertificate = options.ClientCertificate,
        ClientCertificatePath = options.ClientCertificatePath,
        Vocabulary = options.Vocabulary,
        Trust = options.Trust,
        PostHandshakeWait = options.PostHandshakeWait,
        Connector = options.Connector,
        Aia = options.Aia,
        Clock = options.Clock,
        Revocation = options.Revocation,
        RevocationTimeout = options.RevocationTimeout,
    };
}
