using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Handshake;

/// <summary>
/// Tells "the server refused this TLS version" apart from "this machine forbids it" (OpenSSL 3
/// disables TLS 1.0/1.1 below security level 0): a loopback self-test with the same version
/// decides, once per process and version.
/// </summary>
internal static class ProtocolPolicy
{
    private static readonly Dictionary<TlsProtocol, Task<bool>> Cache = [];

    public static async Task<string> ExplainRefusalAsync(TlsProtocol protocol, string reason, CancellationToken cancellationToken)
    {
        var allowed = await IsAllowedAsync(protocol, cancellationToken).ConfigureAwait(false);
        return allowed
            ? reason
            : $"{TlsProtocols.Describe(protocol)} is disabled by this machine's TLS policy (a loopback self-test fails too), so whether the server accepts it could not be tested.";
    }

    /// <summary>True when this machine's TLS stack completes a loopback handshake limited to <paramref name="protocol"/>.</summary>
    public static Task<bool> IsAllowedAsync(TlsProtocol protocol, CancellationToken cancellationToken)
    {
        Task<bool> test;
        lock (Cache)
        {
            if (!Cache.TryGetValue(protocol, out test!))
            {
                test = Cache[protocol] = SelfTestAsync(protocol);
            }
        }
        return test.WaitAsync(cancellationToken);
    }

    private static async Task<bool> SelfTestAsync(TlsProtocol protocol)
    {
        try
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=certheal-selftest", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(10));
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                var serverTask = Task.Run(async () =>
                {
                    using var accepted = await listener.AcceptTcpClientAsync(timeout.Token).ConfigureAwait(false);
                    await using var server = new SslStream(accepted.GetStream());
                    await server.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                    {
                        ServerCertificate = certificate,
                        EnabledSslProtocols = TlsProtocols.ToSslProtocols(protocol),
                    }, timeout.Token).ConfigureAwait(false);
                });
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token).ConfigureAwait(false);
                await using var tls = new SslStream(client.GetStream());
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = "certheal-selftest",
                    EnabledSslProtocols = TlsProtocols.ToSslProtocols(protocol),
                    RemoteCertificateValidationCallback = (_, _, _, _) => true,
                }, timeout.Token).ConfigureAwait(false);
                await serverTask.ConfigureAwait(false);
                return true;
            }
            finally
            {
                listener.Stop();
            }
        }
        catch (Exception)
        {
            return false;
        }
    }
}
