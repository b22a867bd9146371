using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using CertHeal.Handshake;
using CertHeal.Lab;

namespace CertHeal.Tests.Reach;

/// <summary>Real slapd, Dovecot, vsftpd and MariaDB on loopback, started by the fixture, presenting the lab's good chain.</summary>
public sealed class DirectoryAndMailFixture : IAsyncLifetime
{
    public LabFixture Lab { get; } = new();
    public LabDirectoryAndMail.TwoPorts Slapd { get; private set; } = null!;
    public LabDirectoryAndMail.TwoPorts SlapdWithoutTls { get; private set; } = null!;
    public LabDirectoryAndMail.TwoPorts Dovecot { get; private set; } = null!;
    public LabDaemon Vsftpd { get; private set; } = null!;
    public LabDaemon MariaDb { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var (leaf, chain) = Lab.Lab.Material(LabScenario.GoodChain)!.Value;
        var slapd = _daemons.Add(LabDirectoryAndMail.StartSlapdAsync(Lab.Lab.Folder, leaf, chain));
        var slapdWithoutTls = _daemons.Add(LabDirectoryAndMail.StartSlapdAsync(Lab.Lab.Folder, leaf, chain, tls: false));
        var dovecot = _daemons.Add(LabDirectoryAndMail.StartDovecotAsync(Lab.Lab.Folder, leaf, chain));
        await _daemons.StartedAsync();
        (Slapd, SlapdWithoutTls, Dovecot) = (slapd.Result, slapdWithoutTls.Result, dovecot.Result);
        // vsftpd and MariaDB after the others, one at a time, as before: their starts are the heaviest.
        Vsftpd = await _daemons.Add(LabFtp.StartVsftpdAsync(Lab.Lab.Folder, leaf, chain));
        MariaDb = await _daemons.Add(LabMariaDb.StartAsync(leaf, chain));
    }

    private readonly LabDaemonGroup _daemons = new();

    public async Task DisposeAsync()
    {
        await _daemons.DisposeAsync();
        await Lab.DisposeAsync();
    }
}

public sealed class StartTlsServiceTests(DirectoryAndMailFixture fixture) : IClassFixture<DirectoryAndMailFixture>
{
    private Task<HandshakeResult> ProbeAsync(string target) =>
        HandshakeProbe.ProbeAsync(TlsTarget.Parse(target), new ProbeOptions { Trust = fixture.Lab.Trust, Timeout = TimeSpan.FromSeconds(15), Connector = new ReachConnector(ProxySettings.None) }, default);

    [Theory]
    [InlineData("ldap://127.0.0.1:{0}", "ldap")]
    [InlineData("ldaps://127.0.0.1:{1}", "ldaps")]
    [InlineData("imap://127.0.0.1:{2}", "imap")]
    [InlineData("pop3://127.0.0.1:{3}", "pop3")]
    [InlineData("ftp://127.0.0.1:{4}", "ftp")]
    [InlineData("mysql://127.0.0.1:{5}", "mysql")]
    public async Task Real_servers_upgrade_and_present_their_chain(string form, string name)
    {
        var target = string.Format(System.Globalization.CultureInfo.InvariantCulture, form, fixture.Slapd.First, fixture.Slapd.Second, fixture.Dovecot.First, fixture.Dovecot.Second, fixture.Vsftpd.Port, fixture.MariaDb.Port);
        var result = await ProbeAsync(target);

        Assert.True(result.Succeeded, $"{name}: {result.Failure} {result.Reason}");
        Assert.Equal(2, result.PresentedChain.Length);
        Assert.Equal(name == "ldaps" ? target["ldaps://".Length..] : target, result.Target);
    }

    [Fact]
    public async Task Slapd_without_a_certificate_refuses_StartTLS_and_the_Reason_carries_its_answer()
    {
        var result = await ProbeAsync($"ldap://127.0.0.1:{fixture.SlapdWithoutTls.First}");

        Assert.Equal(HandshakeFailure.StartTlsRefused, result.Failure);
        Assert.Contains("refused the LDAP StartTLS operation", result.Reason);
        Assert.Contains("resultCode", result.Reason);
        Assert.Contains("ldaps://", result.Reason);
    }

    [Fact]
    public async Task The_default_ports_of_the_schemes()
    {
        Assert.Equal((25, StartTlsProtocol.Smtp), Parts("smtp://mail.example"));
        Assert.Equal((587, StartTlsProtocol.Smtp), Parts("smtp://mail.example:587"));
        Assert.Equal((143, StartTlsProtocol.Imap), Parts("imap://mail.example"));
        Assert.Equal((110, StartTlsProtocol.Pop3), Parts("pop3://mail.example"));
        Assert.Equal((21, StartTlsProtocol.Ftp), Parts("ftp://files.example"));
        Assert.Equal((389, StartTlsProtocol.Ldap), Parts("ldap://dc.example"));
        Assert.Equal((5432, StartTlsProtocol.Postgres), Parts("postgresql://db.example"));
        Assert.Equal((3306, StartTlsProtocol.MySql), Parts("mysql://db.example"));
        Assert.Equal((5222, StartTlsProtocol.Xmpp), Parts("xmpp://chat.example"));
        Assert.Equal((636, StartTlsProtocol.None), Parts("ldaps://dc.example"));
        Assert.Equal((465, StartTlsProtocol.None), Parts("smtps://mail.example"));
        Assert.Equal((993, StartTlsProtocol.None), Parts("imaps://mail.example"));
        Assert.Equal((995, StartTlsProtocol.None), Parts("pop3s://mail.example"));
        Assert.Equal("smtp://[::1]:2525", TlsTarget.Parse("[::1]:2525").WithStartTls(StartTlsProtocol.Smtp).Display);
        Assert.Equal("smtp://mail.example:25", TlsTarget.Parse("mail.example").WithStartTls(StartTlsProtocol.Smtp).Display);
        Assert.Equal(5432, TlsTarget.Parse("db.example").WithStartTls(StartTlsProtocol.Postgres).Port);
        Assert.Equal(6432, TlsTarget.Parse("db.example", 6432).WithStartTls(StartTlsProtocol.Postgres).Port);
        Assert.Equal(443, TlsTarget.Parse("db.example:443").WithStartTls(StartTlsProtocol.Postgres).Port);
        await Task.CompletedTask;

        static (int, StartTlsProtocol) Parts(string text)
        {
            var target = TlsTarget.Parse(text);
            return (target.Port, target.StartTls);
        }
    }

    /// <summary>
    /// SMTP through an in-test responder, because a real MTA could not be run here: Postfix (the
    /// Debian MTA, installed) started from a private configuration folder on a loopback port
    /// (`postfix -c DIR start-fg`, and `master -c DIR -i`) exits at once and reports why only to
    /// syslog, which this machine does not run; letting it start would mean listing the folder in
    /// /etc/postfix/main.cf (alternate_config_directories), a system file tests must not edit.
    /// The responder speaks RFC 3207 (greeting, EHLO with or without STARTTLS, 220 to STARTTLS)
    /// in front of a real SslStream server.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Smtp_STARTTLS_upgrades_or_is_StartTlsRefused_with_the_EHLO_answer(bool offered)
    {
        var (leaf, chain) = fixture.Lab.Lab.Material(LabScenario.GoodChain)!.Value;
        var context = SslStreamCertificateContext.Create(leaf, [.. chain], offline: true);
        await using var server = new LabListener((stream, token) => SmtpAsync(stream, context, offered, token));
        var result = await ProbeAsync($"smtp://127.0.0.1:{server.Port}");

        if (offered)
        {
            Assert.True(result.Succeeded, result.Reason);
            Assert.Equal(leaf.Thumbprint, result.PresentedChain[0].Thumbprint);
        }
        else
        {
            Assert.Equal(HandshakeFailure.StartTlsRefused, result.Failure);
            Assert.Contains("does not offer STARTTLS", result.Reason);
            Assert.Contains("250 SIZE 10240000", result.Reason);
            Assert.Contains("smtps://", result.Reason);
        }
    }

    private static async Task SmtpAsync(NetworkStream stream, SslStreamCertificateContext context, bool offered, CancellationToken token)
    {
        using var reader = new StreamReader(stream, Encoding.ASCII, false, 1, leaveOpen: true);
        async Task Send(string text) => await stream.WriteAsync(Encoding.ASCII.GetBytes(text), token);
        await Send("220 mail.certheal.test ESMTP lab\r\n");
        var ehlo = await reader.ReadLineAsync(token);
        if (ehlo?.StartsWith("EHLO", StringComparison.OrdinalIgnoreCase) != true)
        {
            return;
        }
        await Send(offered ? "250-mail.certheal.test\r\n250-SIZE 10240000\r\n250 STARTTLS\r\n" : "250-mail.certheal.test\r\n250 SIZE 10240000\r\n");
        if (await reader.ReadLineAsync(token) != "STARTTLS" || !offered)
        {
            await Send("502 5.5.1 command not implemented\r\n");
            return;
        }
        await Send("220 2.0.0 Ready to start TLS\r\n");
        await using var tls = new SslStream(stream, leaveInnerStreamOpen: true);
        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificateContext = context }, token);
        await tls.ReadAtLeastAsync(new byte[1], 1, throwOnEndOfStream: false, token);
    }
}
