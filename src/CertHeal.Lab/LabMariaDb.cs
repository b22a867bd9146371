using System.Globalization;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Lab;

/// <summary>
/// A real MariaDB server (Debian's mariadb-server) in a temp folder on 127.0.0.1 and an
/// ephemeral port, TLS from a lab certificate, offered through the MySQL protocol's SSLRequest.
/// Run as the mysql user when the tests run as root.
/// </summary>
public static class LabMariaDb
{
    public static async Task<LabDaemon> StartAsync(X509Certificate2 leaf, IReadOnlyList<X509Certificate2> chain)
    {
        var daemon = LabDaemon.Require("mariadbd", "mariadb-server");
        var install = LabDaemon.Require("mariadb-install-db", "mariadb-server");
        var root = Directory.CreateTempSubdirectory("certheal-mariadb-").FullName;
        var data = Path.Combine(root, "data");
        var cert = Path.Combine(root, "cert.pem");
        var key = Path.Combine(root, "key.pem");
        CertificateMint.WritePemWithKey(leaf, cert, key);
        File.AppendAllText(cert, string.Concat(chain.Select(CertificateMint.ToPem)));
        var asRoot = Environment.UserName == "root";
        string[] As(string tool, params string[] args) => asRoot ? ["-u", "mysql", "--", tool, .. args] : args;
        string Runner(string tool) => asRoot ? "runuser" : tool;
        if (asRoot)
        {
            LabDaemon.Run("chown", ["-R", "mysql", root]);
        }
        LabDaemon.Run(Runner(install), As(install, "--no-defaults", "--datadir=" + data, "--auth-root-authentication-method=normal", "--skip-test-db"),
            TimeSpan.FromSeconds(120));
        for (var attempt = 0; ; attempt++)
        {
            var port = LabListener.ClosedPort();
            try
            {
                return await LabDaemon.StartAsync("mariadbd", Runner(daemon), As(daemon, "--no-defaults", "--datadir=" + data,
                    "--socket=" + Path.Combine(root, "mysql.sock"), "--pid-file=" + Path.Combine(root, "mariadb.pid"), "--bind-address=127.0.0.1",
                    "--port=" + port.ToString(CultureInfo.InvariantCulture), "--ssl-cert=" + cert, "--ssl-key=" + key, "--skip-log-bin",
                    "--innodb-buffer-pool-size=8M", "--skip-name-resolve"), port, TimeSpan.FromSeconds(60), cleanup: () => TryDelete(root)).ConfigureAwait(false);
            }
            catch (InvalidOperationException) when (attempt < 2)
            {
            }
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
