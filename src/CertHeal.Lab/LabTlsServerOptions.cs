using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Lab;

public sealed class LabTlsServerOptions
{
    /// <summary>The server's certificate, with its private key.</summary>
    public required X509Certificate2 Certificate { get; init; }

    /// <summary>The certificates sent after the leaf, in this order.</summary>
    public IReadOnlyList<X509Certificate2> Chain { get; init; } = [];

    public SslProtocols Protocols { get; init; } = SslProtocols.None;
    public bool RequireClientCertificate { get; init; }

    /// <summary>Bind ::1 instead of 127.0.0.1.</summary>
    public bool IPv6 { get; init; }

    /// <summary>Bind this loopback address instead (127.0.0.2 for a name with two addresses); wins over IPv6.</summary>
    public System.Net.IPAddress? BindAddress { get; init; }

    /// <summary>Bind this port instead of an ephemeral one (two servers on two addresses, one port).</summary>
    public int Port { get; init; }
}
