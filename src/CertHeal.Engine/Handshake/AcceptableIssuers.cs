using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Handshake;

/// <summary>
/// The CAs a server names in its CertificateRequest (certificate_authorities, RFC 8446 4.2.4 /
/// RFC 5246 7.4.4), and whether a client certificate reaches one of them. Clients use the list
/// to pick a certificate (Java's X509KeyManager sends none when no chain matches; curl and
/// SslStream send what they were given), so a mismatch explains a rejection on both sides.
/// </summary>
internal static class AcceptableIssuers
{
    /// <summary>
    /// True when the certificate, an issuer named in its chain as given, or the chain this machine
    /// builds for it (no downloads, no revocation) names an acceptable CA; null when nothing to judge.
    /// </summary>
    public static bool? ChainsTo(X509Certificate2? clientCertificate, IReadOnlyList<string> acceptable)
    {
        if (clientCertificate is null || acceptable.Count == 0)
        {
            return null;
        }
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { clientCertificate.Subject, clientCertificate.Issuer };
        using (var chain = new X509Chain())
        {
            // The machine's roots as CertHeal reads them, not the runtime's copy (empty in the CLI's probe runs).
            var machine = Trust.TrustAnchors.System;
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(machine.Roots);
            chain.ChainPolicy.ExtraStore.AddRange(machine.Intermediates);
            chain.ChainPolicy.DisableCertificateDownloads = true;
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.VerificationFlags = X509VerificationFlags.AllFlags;
            try
            {
                chain.Build(clientCertificate);
                foreach (var element in chain.ChainElements)
                {
                    names.Add(element.Certificate.Subject);
                    names.Add(element.Certificate.Issuer);
                }
            }
            catch (System.Security.Cryptography.CryptographicException)
            {
                // Only the names the certificate itself carries are judged.
            }
        }
        return acceptable.Any(names.Contains);
    }

    /// <summary>
    /// The names from the server's CertificateRequest, read with BouncyCastle over the same
    /// connector. SslStream on Linux (seen with .NET 10 and OpenSSL 3) passes them on its second
    /// LocalCertificateSelectionCallback call when no client certificate is given; when one is given,
    /// the callback never delivers them (seen: openssl s_server naming a CA, TLS 1.2 and 1.3, the
    /// list stays empty), so the probe neither sees the names nor knows that the server asked. Runs only when a client
    /// certificate is given and the platform saw no names; it sends no certificate. Returns the attempt: whether the server asked
    /// (ClientCertificateRequested), whether it refused a client without one (RefusedWithoutCertificate,
    /// which decides Java's verdict when the given certificate matches none of the names), the names,
    /// and the version and suite (which a TLS 1.2 refusal during the handshake leaves the platform without).
    /// </summary>
    public static async Task<BouncyCastleAttempt> CaptureAsync(TlsTarget target, ProbeOptions options, TlsProtocol? negotiated, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Timeout);
        TlsProtocol[] versions = negotiated is { } version ? [version] : [TlsProtocol.Tls13, TlsProtocol.Tls12, TlsProtocol.Tls11, TlsProtocol.Tls];
        return await BouncyCastleClient.RunAsync(target, options.Connector, versions, BouncyCastleClient.AllSuites, helloOnly: false, deadline.Token,
            options.PostHandshakeWait).ConfigureAwait(false);
    }

    /// <summary>"'A', 'B'" for a Reason, or a note that the server named none.</summary>
    public static string Describe(IReadOnlyList<string> acceptable) =>
        acceptable.Count == 0 ? "(the server names no acceptable CAs)" : string.Join(", ", acceptable.Select(n => $"'{n}'"));
}
