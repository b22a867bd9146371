using System.Text;

namespace CertHeal.Handshake;

/// <summary>
/// Asks a plain-text server to switch to TLS on the connection, speaking only as much of its
/// protocol as that takes. A server that does not offer the upgrade or refuses it raises
/// StartTlsRefusedException with its answer; a server that says nothing is bounded by the
/// caller's timeout.
/// </summary>
internal static class StartTlsNegotiator
{
    public static Task NegotiateAsync(Stream stream, TlsTarget target, CancellationToken cancellationToken) => target.StartTls switch
    {
        StartTlsProtocol.None => Task.CompletedTask,
        StartTlsProtocol.Smtp => SmtpStartTls.NegotiateAsync(stream, target, cancellationToken),
        StartTlsProtocol.Imap => ImapStartTls.NegotiateAsync(stream, target, cancellationToken),
        StartTlsProtocol.Pop3 => Pop3StartTls.NegotiateAsync(stream, target, cancellationToken),
        StartTlsProtocol.Ftp => FtpStartTls.NegotiateAsync(stream, target, cancellationToken),
        StartTlsProtocol.Ldap => LdapStartTls.NegotiateAsync(stream, target, cancellationToken),
        StartTlsProtocol.Postgres => PostgresStartTls.NegotiateAsync(stream, target, cancellationToken),
        StartTlsProtocol.MySql => MySqlStartTls.NegotiateAsync(stream, target, cancellationToken),
        StartTlsProtocol.Xmpp => XmppStartTls.NegotiateAsync(stream, target, cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(target), target.StartTls, "Unknown STARTTLS protocol."),
    };

    internal static async Task SendAsync(Stream stream, string text, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(text), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    internal static StartTlsRefusedException Refused(TlsTarget target, string what, string? answer) =>
        new($"{target.Display} {what}: it answered {PlainTextReader.Quote(answer)}; use the implicit-TLS port (e.g. {Implicit(target.StartTls)}) or enable TLS on the server.");

    private static string Implicit(StartTlsProtocol protocol) => protocol switch
    {
        StartTlsProtocol.Smtp => "smtps:// on 465",
        StartTlsProtocol.Imap => "imaps:// on 993",
        StartTlsProtocol.Pop3 => "pop3s:// on 995",
        StartTlsProtocol.Ldap => "ldaps:// on 636",
        StartTlsProtocol.Ftp => "ftps on 990",
        _ => "the server's TLS port",
    };

    /// <summary>Reads a reply of a line protocol with numeric codes (SMTP, FTP): "250-..." lines continue, "250 ..." ends it.</summary>
    internal static async Task<(int Code, List<string> Lines)> ReadNumericReplyAsync(PlainTextReader reader, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        for (var i = 0; i < 200; i++)
        {
            var line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line is null)
            {
                return (0, lines);
            }
            lines.Add(line);
            if (line.Length < 3 || !int.TryParse(line.AsSpan(0, 3), out var code))
            {
                return (0, lines);
            }
            if (line.Length == 3 || line[3] != '-')
            {
                return (code, lines);
            }
        }
        return (0, lines);
    }
}
