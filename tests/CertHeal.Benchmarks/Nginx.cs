using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Benchmarks;

/// <summary>
/// A loopback nginx with one worker serving a 2-certificate ECDSA chain (leaf + intermediate) on
/// one port and the leaf alone on another: the peer the probe benchmarks are measured against.
/// </summary>
internal sealed class Nginx : IDisposable
{
    private readonly Process _process;

    private Nginx(Process process, int port, int leafOnlyPort)
    {
        _process = process;
        Port = port;
        LeafOnlyPort = leafOnlyPort;
    }

    public int Port { get; }
    public int LeafOnlyPort { get; }

    public static Nginx Start(string folder, X509Certificate2 leaf, X509Certificate2 intermediate)
    {
        var binary = new[] { "/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("nginx is not installed; the README's benchmark command installs it.");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "chain.pem"), leaf.ExportCertificatePem() + "\n" + intermediate.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(folder, "leaf.pem"), leaf.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(folder, "leaf.key"), leaf.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem() + "\n");
        var port = FreePort();
        var leafOnly = FreePort();
        var conf = $$"""
            worker_processes 1;
            daemon off;
            pid {{folder}}/nginx.pid;
            error_log {{folder}}/error.log error;
            events { worker_connections 4096; }
            http {
              access_log off;
              client_body_temp_path {{folder}}/body;
              proxy_temp_path {{folder}}/proxy;
              fastcgi_temp_path {{folder}}/fastcgi;
              uwsgi_temp_path {{folder}}/uwsgi;
              scgi_temp_path {{folder}}/scgi;
              keepalive_requests 1000000;
              ssl_protocols TLSv1.2 TLSv1.3;
              server {
                listen 127.0.0.1:{{port}} ssl;
                ssl_certificate {{folder}}/chain.pem;
                ssl_certificate_key {{folder}}/leaf.key;
                location / { return 200 "ok\n"; }
              }
              server {
                listen 127.0.0.1:{{leafOnly}} ssl;
                ssl_certificate {{folder}}/leaf.pem;
                ssl_certificate_key {{folder}}/leaf.key;
                location / { return 200 "ok\n"; }
              }
            }
            """;
        var confPath = Path.Combine(folder, "nginx.conf");
        File.WriteAllText(confPath, conf);
        var info = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-p", folder, "-c", confPath })
        {
            info.ArgumentList.Add(arg);
        }
        var process = Process.Start(info)!;
        var deadline = Stopwatch.StartNew();
        while (!Listening(port) || !Listening(leafOnly))
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(10))
            {
                var log = File.Exists(Path.Combine(folder, "error.log")) ? File.ReadAllText(Path.Combine(folder, "error.log")) : "";
                throw new InvalidOperationException($"nginx did not start: {process.StandardError.ReadToEnd()} {log}".Trim());
            }
            Thread.Sleep(50);
        }
        return new Nginx(process, port, leafOnly);
    }

    internal static bool Listening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
