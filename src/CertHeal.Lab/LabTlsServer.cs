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

    private LabTlsServer(Func<System.Net.Sockets.NetworkStream, CancellationToken, Task> handler, System.Net.IPAddress address, int port)
        : base(handler, address, port)
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
        Func<System.Net.Sockets.NetworkStream, CancellationToken, Task> handler = (stream, token) => ServeAsync(stream, serverOptions, token);
        if (options.BindAddress is not null || options.Port != 0)
        {
            var address = options.BindAddress ?? (options.IPv6 ? System.Net.IPAddress.IPv6Loopback : System.Net.IPAddress.Loopback);
            return new LabTlsServer(handler, address, options.Port) { Options = options };
        }
        return new LabTlsServer(handler, options.IPv6) { Options = options };
    }

    private static async Task ServeAsync(Stream network, SslServerAuthenticationOptions options, CancellationToken token)
    {
        await using var tls = new SslStream(network, leaveInnerStreamOpen: false);
        await tls.AuthenticateAsServerAsync(options, token).ConfigureAwait(false);
        await LabHttp.AnswerOneRequestAsync(tls, "certheal lab: tls ok\n", token).ConfigureAwait(false);
    }
}
