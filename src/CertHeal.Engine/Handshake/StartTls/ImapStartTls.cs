namespace CertHeal.Handshake;

/// <summary>IMAP (RFC 3501): "* OK" greeting, then "a1 STARTTLS" answered "a1 OK"; untagged lines in between are skipped.</summary>
internal static class ImapStartTls
{
    public static async Task NegotiateAsync(Stream stream, TlsTarget target, CancellationToken cancellationToken)
    {
        var reader = new PlainTextReader(stream);
        var greeting = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        if (greeting is null || !greeting.StartsWith("* OK", StringComparison.OrdinalIgnoreCase))
        {
            throw StartTlsNegotiator.Refused(target, "did not greet as an IMAP server", greeting);
        }
        await StartTlsNegotiator.SendAsync(stream, "a1 STARTTLS\r\n", cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < 100; i++)
        {
            var line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line is null || line.StartsWith("a1 ", StringComparison.Ordinal))
            {
                if (line is not null && line.StartsWith("a1 OK", StringComparison.OrdinalIgnoreCase))
                {
                    return;
                }
                throw StartTlsNegotiator.Refused(target, "refused STARTTLS", line);
            }
        }
        throw StartTlsNegotiator.Refused(target, "never answered STARTTLS", null);
    }
}
