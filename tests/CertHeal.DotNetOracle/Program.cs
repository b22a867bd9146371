using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Lab;

// For each case of the manifest (name TAB host TAB folder with leaf.pfx, chain.pem, anchors.pem),
// a loopback server sends exactly chain.pem and a client judges it with SslStream's default
// validation: the errors SslStream computed decide, over a custom root store that holds
// anchors.pem, with no downloads. Prints name TAB OK, or name TAB FAIL TAB the policy errors and
// chain statuses.
var lines = File.ReadAllLines(args[0]).Where(l => l.Length > 0);
foreach (var line in lines)
{
    var parts = line.Split('\t');
    var (name, host, folder) = (parts[0], parts[1], parts[2]);
    try
    {
        Console.WriteLine($"{name}\t{(parts.Length > 3 && parts[3] == "client" ? await JudgeClientAsync(folder) : await JudgeAsync(host, folder))}");
    }
    catch (Exception e)
    {
        Console.WriteLine($"{name}\tFAIL\t{e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
    }
}

static async Task<string> JudgeAsync(string host, string folder)
{
    var chain = new X509Certificate2Collection();
    chain.ImportFromPemFile(Path.Combine(folder, "chain.pem"));
    var anchors = new X509Certificate2Collection();
    anchors.ImportFromPemFile(Path.Combine(folder, "anchors.pem"));
    using var leaf = X509CertificateLoader.LoadPkcs12FromFile(Path.Combine(folder, "leaf.pfx"), "", X509KeyStorageFlags.Exportable);

    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    var port = ((IPEndPoint)listener.LocalEndpoint).Port;
    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
    var serverTask = Task.Run(async () =>
    {
        using var socket = await listener.AcceptTcpClientAsync(timeout.Token);
        await using var tls = new SslStream(socket.GetStream());
        try
        {
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = ExactChainContext.Create(leaf, chain.Skip(1).ToList()),
            }, timeout.Token);
            await tls.WriteAsync(new byte[] { 1 }, timeout.Token);
        }
        catch (Exception)
        {
            // The client's verdict is what counts; a refused handshake surfaces there.
        }
    });

    using var client = new TcpClient();
    await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
    await using var clientTls = new SslStream(client.GetStream());
    var policy = new X509ChainPolicy
    {
        TrustMode = X509ChainTrustMode.CustomRootTrust,
        RevocationMode = X509RevocationMode.NoCheck,
        DisableCertificateDownloads = true,
    };
    policy.CustomTrustStore.AddRange(anchors);
    string errors = "";
    try
    {
        await clientTls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = host,
            CertificateChainPolicy = policy,
            RemoteCertificateValidationCallback = (_, _, built, policyErrors) => Record(built, policyErrors, out errors),
        }, timeout.Token);
    }
    catch (Exception e)
    {
        await serverTask;
        return $"FAIL\t{errors} {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}";
    }
    await serverTask;
    return "OK";
}

// A server requiring a client certificate judges the one sent with SslStream's default validation.
static async Task<string> JudgeClientAsync(string folder)
{
    var chain = new X509Certificate2Collection();
    chain.ImportFromPemFile(Path.Combine(folder, "chain.pem"));
    var anchors = new X509Certificate2Collection();
    anchors.ImportFromPemFile(Path.Combine(folder, "anchors.pem"));
    using var leaf = X509CertificateLoader.LoadPkcs12FromFile(Path.Combine(folder, "leaf.pfx"), "", X509KeyStorageFlags.Exportable);
    using var serverCertificate = ServerCertificate();

    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    var port = ((IPEndPoint)listener.LocalEndpoint).Port;
    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
    var errors = "";
    var serverTask = Task.Run(async () =>
    {
        using var socket = await listener.AcceptTcpClientAsync(timeout.Token);
        await using var tls = new SslStream(socket.GetStream());
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck, DisableCertificateDownloads = true };
        policy.CustomTrustStore.AddRange(anchors);
        try
        {
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = serverCertificate,
                ClientCertificateRequired = true,
                CertificateChainPolicy = policy,
                RemoteCertificateValidationCallback = (_, _, built, policyErrors) => Record(built, policyErrors, out errors),
            }, timeout.Token);
            return "OK";
        }
        catch (Exception e)
        {
            return $"FAIL\t{errors} {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}";
        }
    });
    using var client = new TcpClient();
    await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
    await using var clientTls = new SslStream(client.GetStream());
    try
    {
        await clientTls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "oracle.test",
            ClientCertificateContext = ExactChainContext.Create(leaf, chain.Skip(1).ToList()),
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        }, timeout.Token);
        var buffer = new byte[1];
        using var read = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            _ = await clientTls.ReadAsync(buffer, read.Token);
        }
        catch (Exception)
        {
            // TLS 1.3: the server's refusal arrives after the client's handshake; the server's verdict counts.
        }
    }
    catch (Exception)
    {
        // The server's verdict is what counts.
    }
    return await serverTask;
}

static X509Certificate2 ServerCertificate()
{
    using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
    var request = new CertificateRequest("CN=oracle.test", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
    using var self = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    return X509CertificateLoader.LoadPkcs12(self.Export(X509ContentType.Pfx), null);
}

// SslStream's own verdict, as the oracle reports it: the policy errors and the chain's statuses.
static bool Record(X509Chain? built, SslPolicyErrors policyErrors, out string errors)
{
    var statuses = built is null ? "" : string.Join(",", built.ChainElements.SelectMany(e => e.ChainElementStatus).Select(s => s.Status).Distinct());
    errors = $"{policyErrors} [{statuses}]";
    return policyErrors == SslPolicyErrors.None;
}
