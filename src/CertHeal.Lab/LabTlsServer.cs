using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace CertHeal.Lab;

/// <summary>
/// A loopback TLS server built on SslStream that sends exactly the configured chain and answers
/// one HTTP request per connection, so probes and HTTP clients both have something real to meet.
/// </summary>
public sealed class LabTlsServer : LabListener
{
    private LabTlsServer(Func<System.Net.Sockets.NetworkStream, CancellationToken, Task> handler, bool ipv6)
        : base(handler, ipv6)
    {
    }

    public required LabTlsServerOptions Options { get; init; }

    public static LabTlsServer Start(LabTlsServerOptions options)
    {
        var context = ExactChainContext.Create(options.Certificate, options.Chain);
        var serverOptions = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = context,
            EnabledSslProtocols = options.Protocols,
            ClientCertificateRequired = options.RequireClientCertificate,
            RemoteCertificateValidationCallback = options.RequireClientCertificate
                ? (_, certificate, _, _) => certificate is not null
                : null,
        };
        return new LabTlsServer((stream, token) => ServeAsync(stream, serverOptions, token), options.IPv6) { Options = options };
    }

    private static async Task ServeAsync(Stream network, SslServerAuthenticationOptions options, CancellationToken token)
    {
        await using var tls = new SslStream(network, leaveInnerStreamOpen: false);
        await tls.AuthenticateAsServerAsync(options, token).ConfigureAwait(false);
        await LabHttp.AnswerOneRequestAsync(tls, "certheal lab: tls ok\n", token).ConfigureAwait(false);
    }
}
