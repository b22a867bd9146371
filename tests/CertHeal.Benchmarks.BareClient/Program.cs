using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

// One TLS handshake to HOST:PORT whose chain must verify under the roots in ROOTS.pem (exit 0), as
// `certheal test HOST:PORT --keystore ROOTS.pem` asks. Nothing else: no output beyond one line.
if (args.Length != 3)
{
    Console.Error.WriteLine("usage: bareclient HOST PORT ROOTS.pem");
    return 2;
}
var roots = new X509Certificate2Collection();
roots.ImportFromPemFile(args[2]);
var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
policy.CustomTrustStore.AddRange(roots);
using var client = new TcpClient();
await client.ConnectAsync(args[0], int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
await using var tls = new SslStream(client.GetStream());
await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", CertificateChainPolicy = policy });
Console.WriteLine($"verified {tls.SslProtocol}");
return 0;
