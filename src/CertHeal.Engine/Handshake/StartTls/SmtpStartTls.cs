namespace CertHeal.Handshake;

/// <summary>SMTP (RFC 3207): greeting 220, EHLO, STARTTLS must be among the extensions, STARTTLS answered 220.</summary>
internal static class SmtpStartTls
{
    public static async Task NegotiateAsync(Stream stream, TlsTarget target, CancellationToken cancellationToken)
    {
        var reader = new PlainTextReader(stream);
        var greeting = await StartTlsNegotiator.ReadNumericReplyAsync(reader, cancellationToken).ConfigureAwait(false);
        if (greeting.Code != 220)
        {
            throw StartTlsNegotiator.Refused(target, "did not greet as an SMTP server", string.Join(" ", greeting.Lines));
        }
        await StartTlsNegotiator.SendAsync(stream, "EHLO certheal.invalid\r\n", cancellationToken).ConfigureAwait(false);
        var ehlo = await StartTlsNegotiator.ReadNumericReplyAsync(reader, cancellationToken).ConfigureAwait(false);
        if (ehlo.Code != 250 || !ehlo.Lines.Any(l => l.Length > 4 && l[4..].Trim().Equals("STARTTLS", StringComparison.OrdinalIgnoreCase)))
        {
            throw StartTlsNegotiator.Refused(target, "does not offer STARTTLS", string.Join(" ", ehlo.Lines));
        }
        await StartTlsNegotiator.SendAsync(stream, "STARTTLS\r\n", cancellationToken).ConfigureAwait(false);
        var answer = await StartTlsNegotiator.ReadNumericReplyAsync(reader, cancellationToken).ConfigureAwait(false);
        if (answer.Code != 220)
        {
            throw StartTlsNegotiator.Refused(target, "refused STARTTLS", string.Join(" ", answer.Lines));
        }
    }
}
