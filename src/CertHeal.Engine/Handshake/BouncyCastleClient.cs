using System.Reflection;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace CertHeal.Handshake;

/// <summary>What one BouncyCastle handshake attempt saw.</summary>
internal sealed class BouncyCastleAttempt
{
    public TlsProtocol? Version { get; set; }
    public int? CipherSuite { get; set; }
    public List<byte[]> Certificates { get; } = [];
    public bool Completed { get; set; }
    public bool ClientCertificateRequested { get; set; }
    public string? Error { get; set; }

    /// <summary>The server asked for a client certificate and refused the handshake without one (it requires, not just requests, one).</summary>
    public bool RefusedWithoutCertificate { get; set; }

    /// <summary>The distinguished names in the server's CertificateRequest (certificate_authorities), when it sent one.</summary>
    public List<string> AcceptableIssuers { get; } = [];

    /// <summary>The bit length of the DH prime in the server's DHE ServerKeyExchange; null for other key exchanges.</summary>
    public int? DhGroupBits { get; set; }

    /// <summary>The server answered with a ServerHello: it accepts Version and CipherSuite.</summary>
    public bool Accepted => Version is not null && CipherSuite is not null;
}

/// <summary>
/// BouncyCastle's TLS client (TLS 1.0 to 1.3, every suite that carries a server certificate),
/// driven in BouncyCastle's non-blocking mode over a stream from the IConnector, so proxies and
/// STARTTLS apply to it as they do to SslStream. It accepts whatever certificate the server
/// presents ONLY to capture it: it never sends application data, and the capture is judged
/// afterwards by the same trust evaluation as a platform handshake.
/// </summary>
internal static class BouncyCastleClient
{
    private const int MaxHandshakeBytes = 512 * 1024;

    private static readonly Lazy<TlsCrypto> Crypto = new(() => new BcTlsCrypto(new SecureRandom()));

    /// <summary>IANA name of every suite BouncyCastle knows, by code.</summary>
    private static readonly Dictionary<int, string> Names = typeof(CipherSuite)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(int) && f.Name.StartsWith("TLS_", StringComparison.Ordinal))
        .GroupBy(f => (int)f.GetRawConstantValue()!)
        .ToDictionary(g => g.Key, g => g.First().Name);

    private static readonly int[] CertificateKeyExchanges =
    [
        KeyExchangeAlgorithm.NULL, // TLS 1.3 suites: the key exchange is separate, the certificate always comes
        KeyExchangeAlgorithm.RSA, KeyExchangeAlgorithm.DHE_RSA, KeyExchangeAlgorithm.DHE_DSS, KeyExchangeAlgorithm.DH_RSA,
        KeyExchangeAlgorithm.DH_DSS, KeyExchangeAlgorithm.ECDHE_RSA, KeyExchangeAlgorithm.ECDHE_ECDSA, KeyExchangeAlgorithm.ECDH_RSA,
        KeyExchangeAlgorithm.ECDH_ECDSA,
    ];

    /// <summary>Every suite that shows a server certificate and that BouncyCastle's crypto can run, strongest first.</summary>
    public static IReadOnlyList<int> AllSuites { get; } = Names.Keys
        .Where(s => CertificateKeyExchanges.Contains(TlsUtilities.GetKeyExchangeAlgorithm(s)) && TlsUtilities.IsSupportedCipherSuite(Crypto.Value, s))
        .Where(s => !Names[s].Contains("_SCSV", StringComparison.Ordinal))
        .OrderBy(s => BroadCipherPolicy.Rank(Names[s]))
        .ThenBy(s => Names[s], StringComparer.Ordinal)
        .ToArray();

    public static string Name(int suite) => Names.TryGetValue(suite, out var name) ? name : $"0x{suite:X4}";

    public static bool IsTls13Suite(int suite) => TlsUtilities.GetKeyExchangeAlgorithm(suite) == KeyExchangeAlgorithm.NULL;

    /// <summary>
    /// One handshake offering exactly <paramref name="versions"/> and <paramref name="suites"/>; stops early once the ServerHello
    /// arrived when <paramref name="helloOnly"/>. With <paramref name="verdictWait"/>, a completed handshake in which the server
    /// asked for a client certificate (none is sent) waits that long for the server's refusal (RefusedWithoutCertificate).
    /// </summary>
    public static async Task<BouncyCastleAttempt> RunAsync(TlsTarget target, IConnector connector, IReadOnlyList<TlsProtocol> versions,
        IReadOnlyList<int> suites, bool helloOnly, CancellationToken cancellationToken, TimeSpan verdictWait = default)
    {
        var attempt = new BouncyCastleAttempt();
        var client = new CaptureClient(Crypto.Value, target.ServerName, versions, suites, attempt);
        try
        {
            var connection = await connector.ConnectAsync(target, cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                await HandshakeAsync(connection.Stream, client, attempt, helloOnly, cancellationToken, verdictWait).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            attempt.Error ??= "timed out";
        }
        catch (OperationCanceledException)
        {
            attempt.Error ??= "timed out";
        }
        catch (Exception e)
        {
            attempt.Error ??= Describe(e);
        }
        return attempt;
    }

    private static async Task HandshakeAsync(Stream stream, CaptureClient client, BouncyCastleAttempt attempt, bool helloOnly, CancellationToken cancellationToken,
        TimeSpan verdictWait)
    {
        var protocol = new TlsClientProtocol();
        var buffer = new byte[16 * 1024];
        var received = 0;
        try
        {
            protocol.Connect(client);
            while (true)
            {
                await FlushAsync(protocol, stream, buffer, cancellationToken).ConfigureAwait(false);
                if (attempt.Completed && attempt.ClientCertificateRequested && verdictWait > TimeSpan.Zero)
                {
                    await AwaitServerVerdictAsync(stream, protocol, buffer, attempt, verdictWait, cancellationToken).ConfigureAwait(false);
                    return;
                }
                if (attempt.Completed || (helloOnly && attempt.Accepted))
                {
                    return;
                }
                var read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    attempt.Error = "the server closed the connection during the handshake";
                    return;
                }
                received += read;
                if (received > MaxHandshakeBytes)
                {
                    attempt.Error = $"the server sent more than {MaxHandshakeBytes / 1024} KiB without finishing the handshake";
                    return;
                }
                protocol.OfferInput(buffer, 0, read);
            }
        }
        catch (TlsFatalAlertReceived alert)
        {
            attempt.Error = $"the server sent the alert {AlertDescription.GetText(alert.AlertDescription)}";
            attempt.RefusedWithoutCertificate = attempt.ClientCertificateRequested;
        }
        catch (TlsFatalAlert alert)
        {
            attempt.Error = $"{AlertDescription.GetText(alert.AlertDescription)} ({alert.Message})";
            await TryFlushAsync(protocol, stream, buffer).ConfigureAwait(false);
        }
        finally
        {
            if (attempt.Completed)
            {
                try
                {
                    protocol.Close();
                }
                catch (IOException)
                {
                }
                await TryFlushAsync(protocol, stream, buffer).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// TLS 1.3 servers refuse a client without a certificate after the client's Finished: read for
    /// <paramref name="wait"/>; an alert or a close is a refusal, application data or silence is not
    /// (session tickets are consumed by BouncyCastle and read on).
    /// </summary>
    private static async Task AwaitServerVerdictAsync(Stream stream, TlsClientProtocol protocol, byte[] buffer, BouncyCastleAttempt attempt,
        TimeSpan wait, CancellationToken cancellationToken)
    {
        using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        window.CancelAfter(wait);
        try
        {
            while (true)
            {
                var read = await stream.ReadAsync(buffer, window.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    attempt.RefusedWithoutCertificate = true;
                    return;
                }
                protocol.OfferInput(buffer, 0, read);
                if (protocol.GetAvailableInputBytes() > 0)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
        catch (IOException)
        {
            attempt.RefusedWithoutCertificate = true; // reset right after the handshake: the refusal without an alert
        }
    }

    private static async Task FlushAsync(TlsClientProtocol protocol, Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        int available;
        var wrote = false;
        while ((available = protocol.GetAvailableOutputBytes()) > 0)
        {
            var count = protocol.ReadOutput(buffer, 0, Math.Min(available, buffer.Length));
            await stream.WriteAsync(buffer.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
            wrote = true;
        }
        if (wrote)
        {
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task TryFlushAsync(TlsClientProtocol protocol, Stream stream, byte[] buffer)
    {
        try
        {
            using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await FlushAsync(protocol, stream, buffer, quick.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or NotSupportedException)
        {
        }
    }

    private static string Describe(Exception e) => e switch
    {
        TlsFatalAlertReceived alert => $"the server sent the alert {AlertDescription.GetText(alert.AlertDescription)}",
        TlsFatalAlert alert => AlertDescription.GetText(alert.AlertDescription),
        _ => e.Message.TrimEnd('.'),
    };

    internal static ProtocolVersion ToVersion(TlsProtocol protocol) => protocol switch
    {
        TlsProtocol.Tls => ProtocolVersion.TLSv10,
        TlsProtocol.Tls11 => ProtocolVersion.TLSv11,
        TlsProtocol.Tls12 => ProtocolVersion.TLSv12,
        _ => ProtocolVersion.TLSv13,
    };

    private static TlsProtocol? FromVersion(ProtocolVersion version) =>
        version.Equals(ProtocolVersion.TLSv10) ? TlsProtocol.Tls
        : version.Equals(ProtocolVersion.TLSv11) ? TlsProtocol.Tls11
        : version.Equals(ProtocolVersion.TLSv12) ? TlsProtocol.Tls12
        : version.Equals(ProtocolVersion.TLSv13) ? TlsProtocol.Tls13
        : null;

    /// <summary>Offers what it is told and records what the server answers; its authentication accepts any certificate to capture it.</summary>
    private sealed class CaptureClient(TlsCrypto crypto, string serverName, IReadOnlyList<TlsProtocol> versions, IReadOnlyList<int> suites,
        BouncyCastleAttempt attempt) : DefaultTlsClient(crypto)
    {
        protected override ProtocolVersion[] GetSupportedVersions() =>
            versions.OrderByDescending(v => v).Select(ToVersion).ToArray();

        protected override int[] GetSupportedCipherSuites() => suites.ToArray();

        protected override IList<ServerName>? GetSniServerNames() =>
            System.Net.IPAddress.TryParse(serverName, out _) ? null : [new ServerName(NameType.host_name, System.Text.Encoding.ASCII.GetBytes(serverName))];

        /// <summary>Capture only: a legacy server's small DH group must not stop us from seeing its certificate.</summary>
        /// <summary>
        /// Capture up to the same bound as the whole handshake: BouncyCastle's own default (32 KiB,
        /// Java's limit) would hide an oversized certificate message that the verdicts must measure.
        /// </summary>
        public override int GetMaxHandshakeMessageSize() => MaxHandshakeBytes;

        /// <summary>Capture long chains too (BouncyCastle's default is 10, Java's limit); the verdicts judge the length.</summary>
        public override int GetMaxCertificateChainLength() => 64;

        public override TlsDHGroupVerifier GetDHGroupVerifier() => new RecordingDHGroupVerifier(attempt);

        /// <summary>
        /// No encrypt_then_mac: OpenSSL servers echo it even for NULL-encryption suites, which
        /// BouncyCastle then rejects (illegal_parameter); record-layer hardening does not matter
        /// to a client that only captures the certificate.
        /// </summary>
        public override IDictionary<int, byte[]> GetClientExtensions()
        {
            var extensions = base.GetClientExtensions();
            extensions.Remove(ExtensionType.encrypt_then_mac);
            return extensions;
        }

        public override void NotifyServerVersion(ProtocolVersion serverVersion)
        {
            base.NotifyServerVersion(serverVersion);
            attempt.Version = FromVersion(serverVersion);
        }

        public override void NotifySelectedCipherSuite(int selectedCipherSuite)
        {
            base.NotifySelectedCipherSuite(selectedCipherSuite);
            attempt.CipherSuite = selectedCipherSuite;
        }

        public override void NotifyHandshakeComplete()
        {
            base.NotifyHandshakeComplete();
            attempt.Completed = true;
        }

        public override TlsAuthentication GetAuthentication() => new CaptureAuthentication(attempt);
    }

    /// <summary>Accepts groups from 512 bits (capture only) and records the prime's size, which SslStream on Linux does not expose.</summary>
    private sealed class RecordingDHGroupVerifier(BouncyCastleAttempt attempt) : DefaultTlsDHGroupVerifier(512)
    {
        public override bool Accept(DHGroup dhGroup)
        {
            attempt.DhGroupBits = dhGroup.P.BitLength;
            return base.Accept(dhGroup);
        }
    }

    private sealed class CaptureAuthentication(BouncyCastleAttempt attempt) : TlsAuthentication
    {
        public void NotifyServerCertificate(TlsServerCertificate serverCertificate)
        {
            attempt.Certificates.Clear();
            var chain = serverCertificate.Certificate;
            for (var i = 0; i < chain.Length; i++)
            {
                attempt.Certificates.Add(chain.GetCertificateAt(i).GetEncoded());
            }
        }

        public TlsCredentials? GetClientCredentials(CertificateRequest certificateRequest)
        {
            attempt.ClientCertificateRequested = true;
            foreach (var name in certificateRequest.CertificateAuthorities ?? [])
            {
                attempt.AcceptableIssuers.Add(new System.Security.Cryptography.X509Certificates.X500DistinguishedName(name.GetEncoded()).Name);
            }
            return null;
        }
    }
}
