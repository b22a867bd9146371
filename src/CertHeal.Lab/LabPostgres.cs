using System.Globalization;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Lab;

/// <summary>
/// A real PostgreSQL server (Debian's postgresql) for one test class: initdb in a temp folder,
/// ssl=on with a lab certificate, unix sockets in that folder, TCP on 127.0.0.1 and an
/// ephemeral port. PostgreSQL refuses to run as root, so when the tests run as root (CI) the
/// folder is handed to the postgres user and the server runs as that user (runuser).
/// </summary>
public static class LabPostgres
{
    public static string BinDirectory =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "postgres"))).OrderDescending().FirstOrDefault()
              ?? throw new InvalidOperationException("PostgreSQL's server binaries are missing; install the Debian package 'postgresql'.")
            : throw new InvalidOperationException("PostgreSQL is not installed; install the Debian package 'postgresql'.");

    public static async Task<LabDaemon> StartAsync(X509Certificate2 leaf, IReadOnlyList<X509Certificate2> chain)
    {
        var bin = BinDirectory;
        var root = Directory.CreateTempSubdirectory("certheal-pg-").FullName;
        var data = Path.Combine(root, "data");
        var asRoot = Environment.UserName == "root";
        string[] As(string tool, params string[] args) => asRoot ? ["-u", "postgres", "--", Path.Combine(bin, tool), .. args] : args;
        string Runner(string tool) => asRoot ? "runuser" : Path.Combine(bin, tool);
        if (asRoot)
        {
            LabDaemon.Run("chown", ["postgres", root]);
        }
        LabDaemon.Run(Runner("initdb"), As("initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "--no-instructions", "-E", "UTF8"), TimeSpan.FromSeconds(120));

        var certPath = Path.Combine(data, "server.crt");
        var keyPath = Path.Combine(data, "server.key");
        CertificateMint.WritePemWithKey(leaf, certPath, keyPath);
        File.AppendAllText(certPath, string.Concat(chain.Select(CertificateMint.ToPem)));
        LabDaemon.Run("chmod", ["0600", keyPath]);
        if (asRoot)
        {
            LabDaemon.Run("chown", ["postgres", certPath, keyPath]);
        }
        for (var attempt = 0; ; attempt++)
        {
            var port = LabListener.ClosedPort();
            string[] settings =
            [
                "-c", "listen_addresses=127.0.0.1", "-c", "port=" + port.ToString(CultureInfo.InvariantCulture),
                "-c", "unix_socket_directories=" + root, "-c", "ssl=on", "-c", "ssl_cert_file=" + certPath, "-c", "ssl_key_file=" + keyPath,
                "-c", "fsync=off", "-c", "shared_buffers=8MB", "-c", "max_connections=20", "-c", "logging_collector=off",
            ];
            try
            {
                return await LabDaemon.StartAsync("postgres", Runner("postgres"), As("postgres", ["-D", data, .. settings]), port, TimeSpan.FromSeconds(60),
                    cleanup: () => TryDelete(root)).ConfigureAwait(false);
            }
            catch (InvalidOperationException) when (attempt < 2)
            {
            }
        }
    }

    internal static void TryDelete(string folder)
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
