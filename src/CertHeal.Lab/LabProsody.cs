using System.Globalization;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Lab;

/// <summary>
/// A real XMPP server (Debian's prosody, which needs lua-unbound to start) on 127.0.0.1 and an
/// ephemeral c2s port, configured from a temp folder for the virtual host "127.0.0.1". With a
/// certificate it offers STARTTLS (RFC 6120 §5); without one its tls module is left out, so its
/// stream features carry no starttls. Prosody refuses to run as root, so when the tests run as
/// root (CI) the folder is handed to the prosody user and the server runs as that user (runuser).
/// </summary>
public static class LabProsody
{
    public static async Task<LabDaemon> StartAsync(X509Certificate2? leaf, IReadOnlyList<X509Certificate2> chain)
    {
        var prosody = LabDaemon.Require("prosody", "prosody");
        var asRoot = Environment.UserName == "root";
        for (var attempt = 0; ; attempt++)
        {
            // A fresh folder per attempt: a failed start deletes its folder when it is disposed.
            var root = Directory.CreateTempSubdirectory("certheal-xmpp-").FullName;
            var data = Directory.CreateDirectory(Path.Combine(root, "data")).FullName;
            var certificates = Directory.CreateDirectory(Path.Combine(root, "certs")).FullName;
            var certPath = Path.Combine(root, "server.crt");
            var keyPath = Path.Combine(root, "server.key");
            if (leaf is not null)
            {
                CertificateMint.WritePemWithKey(leaf, certPath, keyPath);
                File.AppendAllText(certPath, string.Concat(chain.Select(CertificateMint.ToPem)));
            }
            var port = LabListener.ClosedPort();
            var config = Path.Combine(root, "prosody.cfg.lua");
            File.WriteAllLines(config,
            [
                "daemonize = false",
                $"data_path = \"{data}\"",
                $"certificates = \"{certificates}\"",
                "log = { { levels = { min = \"info\" }, to = \"console\" } }",
                "interfaces = { \"127.0.0.1\" }",
                $"c2s_ports = {{ {port.ToString(CultureInfo.InvariantCulture)} }}",
                "s2s_ports = { }", "c2s_direct_tls_ports = { }", "component_ports = { }", "http_ports = { }", "https_ports = { }",
                leaf is null ? "modules_enabled = { \"saslauth\" }" : "modules_enabled = { \"tls\", \"saslauth\" }",
                "modules_disabled = { \"s2s\", \"posix\" }",
                leaf is null ? "c2s_require_encryption = false" : $"ssl = {{ certificate = \"{certPath}\", key = \"{keyPath}\" }}",
                "authentication = \"internal_hashed\"",
                "VirtualHost \"127.0.0.1\"",
            ]);
            if (asRoot)
            {
                LabDaemon.Run("chown", ["-R", "prosody", root]);
            }
            if (leaf is not null)
            {
                LabDaemon.Run("chmod", ["0600", keyPath]);
            }
            string[] arguments = ["--config", config];
            try
            {
                return await LabDaemon.StartAsync("prosody", asRoot ? "runuser" : prosody, asRoot ? ["-u", "prosody", "--", prosody, .. arguments] : arguments,
                    port, TimeSpan.FromSeconds(30), cleanup: () => LabPostgres.TryDelete(root)).ConfigureAwait(false);
            }
            catch (InvalidOperationException) when (attempt < 2)
            {
                // the port was taken between the probe and the bind: try another
            }
        }
    }
}
