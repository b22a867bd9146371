using System.Globalization;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Lab;

/// <summary>
/// Real OpenLDAP slapd (StartTLS on ldap://, implicit TLS on ldaps://) and Dovecot (IMAP and
/// POP3 STARTTLS) on loopback, configured in a temp folder and run in the foreground by a test.
/// slapd needs no database to answer StartTLS; Dovecot uses a static user it never serves.
/// </summary>
public static class LabDirectoryAndMail
{
    /// <summary>A daemon with two ports: the plain one (STARTTLS) and a second (ldaps or POP3).</summary>
    public sealed record TwoPorts(LabDaemon Daemon, int First, int Second) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Daemon.DisposeAsync();
    }

    private static (string Dir, string Cert, string Key) Material(string folder, string name, X509Certificate2 leaf, IReadOnlyList<X509Certificate2> chain)
    {
        var dir = Directory.CreateDirectory(Path.Combine(folder, name + "-" + Guid.NewGuid().ToString("N")[..6])).FullName;
        var cert = Path.Combine(dir, "cert.pem");
        var key = Path.Combine(dir, "key.pem");
        CertificateMint.WritePemWithKey(leaf, cert, key);
        File.AppendAllText(cert, string.Concat(chain.Select(CertificateMint.ToPem)));
        return (dir, cert, key);
    }

    /// <param name="tls">false: slapd without a certificate, so it refuses StartTLS (a real refusal).</param>
    public static async Task<TwoPorts> StartSlapdAsync(string folder, X509Certificate2 leaf, IReadOnlyList<X509Certificate2> chain, bool tls = true)
    {
        var slapd = LabDaemon.Require("slapd", "slapd");
        var (dir, cert, key) = Material(folder, "slapd", leaf, chain);
        var config = Path.Combine(dir, "slapd.conf");
        var lines = new List<string> { "include /etc/ldap/schema/core.schema", $"pidfile {dir}/slapd.pid", $"argsfile {dir}/slapd.args" };
        if (tls)
        {
            lines.AddRange([$"TLSCertificateFile {cert}", $"TLSCertificateKeyFile {key}"]);
        }
        File.WriteAllLines(config, lines);
        for (var attempt = 0; ; attempt++)
        {
            var (ldap, ldaps) = (LabListener.ClosedPort(), LabListener.ClosedPort());
            var urls = tls ? $"ldap://127.0.0.1:{ldap}/ ldaps://127.0.0.1:{ldaps}/" : $"ldap://127.0.0.1:{ldap}/";
            try
            {
                var daemon = await LabDaemon.StartAsync("slapd", slapd, ["-f", config, "-h", urls, "-d", "0"], ldap, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
                return new TwoPorts(daemon, ldap, ldaps);
            }
            catch (InvalidOperationException) when (attempt < 2)
            {
            }
        }
    }

    public static async Task<TwoPorts> StartDovecotAsync(string folder, X509Certificate2 leaf, IReadOnlyList<X509Certificate2> chain)
    {
        var dovecot = LabDaemon.Require("dovecot", "dovecot-imapd");
        var (dir, cert, key) = Material(folder, "dovecot", leaf, chain);
        // Dovecot's login processes run as dovenull: they must reach the folder's sockets.
        LabDaemon.Run("chmod", ["0755", dir]);
        for (var attempt = 0; ; attempt++)
        {
            var (imap, pop3) = (LabListener.ClosedPort(), LabListener.ClosedPort());
            var config = Path.Combine(dir, "dovecot.conf");
            File.WriteAllText(config, string.Format(CultureInfo.InvariantCulture, """
                base_dir = {0}/run
                state_dir = {0}/state
                log_path = {0}/dovecot.log
                protocols = imap pop3
                listen = 127.0.0.1
                ssl = yes
                ssl_cert = <{1}
                ssl_key = <{2}
                auth_mechanisms = plain
                passdb {{
                  driver = static
                  args = password=lab-password-never-used
                }}
                userdb {{
                  driver = static
                  args = uid=nobody gid=nogroup home={0}/home
                }}
                mail_location = maildir:~/Maildir
                service imap-login {{
                  inet_listener imap {{
                    port = {3}
                  }}
                  inet_listener imaps {{
                    port = 0
                  }}
                }}
                service pop3-login {{
                  inet_listener pop3 {{
                    port = {4}
                  }}
                  inet_listener pop3s {{
                    port = 0
                  }}
                }}
                service anvil {{
                  chroot =
                }}

                """, dir, cert, key, imap, pop3));
            try
            {
                var daemon = await LabDaemon.StartAsync("dovecot", dovecot, ["-F", "-c", config], imap, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
                return new TwoPorts(daemon, imap, pop3);
            }
            catch (InvalidOperationException) when (attempt < 2)
            {
            }
        }
    }
}
