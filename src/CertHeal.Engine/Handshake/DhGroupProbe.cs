namespace CertHeal.Handshake;

/// <summary>
/// Learns the size of a DHE server's finite-field group, which SslStream on Linux does not expose,
/// with one BouncyCastle handshake offering only DHE suites over the same connector. It runs only
/// when the platform negotiated a DHE suite or OpenSSL refused the group ("dh key too small"), so
/// ECDHE servers pay nothing.
/// </summary>
internal static class DhGroupProbe
{
    private static readonly TlsProtocol[] DheVersions = [TlsProtocol.Tls12, TlsProtocol.Tls11, TlsProtocol.Tls];

    public static bool Applies(string? negotiatedSuite, Exception? handshakeError) =>
        negotiatedSuite?.StartsWith("TLS_DHE_", StringComparison.Ordinal) == true
        || (handshakeError is not null && Describe(handshakeError).Contains("dh key too small", StringComparison.OrdinalIgnoreCase));

    /// <summary>The attempt (its DhGroupBits, version and suite), bounded by the probe's timeout.</summary>
    public static async Task<BouncyCastleAttempt> LearnAsync(TlsTarget target, ProbeOptions options, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Timeout);
        TlsProtocol[] versions = options.Protocol is { } only ? [only] : DheVersions;
        var suites = BouncyCastleClient.AllSuites.Where(s => BouncyCastleClient.Name(s).StartsWith("TLS_DHE_", StringComparison.Ordinal)).ToArray();
        return await BouncyCastleClient.RunAsync(target, options.Connector, versions, suites, helloOnly: false, deadline.Token).ConfigureAwait(false);
    }

    private static string Describe(Exception error)
    {
        var parts = new List<string>();
        for (var e = error; e is not null; e = e.InnerException)
        {
            parts.Add(e.Message);
        }
        return string.Join(" | ", parts);
    }
}
