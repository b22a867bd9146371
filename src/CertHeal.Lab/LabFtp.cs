using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Lab;

/// <summary>A real vsftpd (AUTH TLS on the control connection) on loopback, in the foreground, from a temp folder.</summary>
public static class LabFtp
{
    public static async Task<LabDaemon> StartVsftpdAsync(string folder, X509Certificate2 leaf, IReadOnlyList<X509Certificate2> chain)
    {
        var vsftpd = LabDaemon.Require("vsftpd", "vsftpd");
        var dir = Directory.CreateDirectory(Path.Combine(folder, "vsftpd-" + Guid.NewGuid().ToString("N")[..6])).FullName;
        var empty = Directory.CreateDirectory(Path.Combine(dir, "empty")).FullName;
        var cert = Path.Combine(dir, "cert.pem");
        var key = Path.Combine(dir, "key.pem");
        CertificateMint.WritePemWithKey(leaf, cert, key);
        File.AppendAllText(cert, string.Concat(chain.Select(CertificateMint.ToPem)));
        for (var attempt = 0; ; attempt++)
        {
            var port = LabListener.ClosedPort();
            var config = Path.Combine(dir, "vsftpd.conf");
            File.WriteAllLines(config,
            [
                "listen=YES", "listen_ipv6=NO", "listen_address=127.0.0.1", $"listen_port={port}", "background=NO",
                "anonymous_enable=YES", "local_enable=NO", "write_enable=NO", "ssl_enable=YES", "allow_anon_ssl=YES",
                "force_local_logins_ssl=NO", "force_local_data_ssl=NO", $"rsa_cert_file={cert}", $"rsa_private_key_file={key}",
                $"secure_chroot_dir={empty}", $"anon_root={empty}", "seccomp_sandbox=NO", "xferlog_enable=NO", $"vsftpd_log_file={dir}/vsftpd.log",
            ]);
            try
            {
                return await LabDaemon.StartAsync("vsftpd", vsftpd, [config], port, TimeSpan.FromSeconds(20)).ConfigureAwait(false);
            }
            catch (InvalidOperationException) when (attempt < 2)
            {
            }
        }
    }
}
