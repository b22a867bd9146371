namespace CertHeal.Handshake;

/// <summary>FTP (RFC 4217): greeting 220, AUTH TLS answered 234.</summary>
internal static class FtpStartTls
{
    public static async Task NegotiateAsync(Stream stream, TlsTarget target, CancellationToken cancellationToken)
    {
        var reader = new PlainTextReader(stream);
        var greeting = await StartTlsNegotiator.ReadNumericReplyAsync(reader, cancellationToken).ConfigureAwait(false);
        if (greeting.Code != 220)
        {
            throw StartTlsNegotiator.Refused(target, "did not greet as an FTP server", string.Join(" ", greeting.Lines));
        }
        await StartTlsNegotiator.SendAsync(stream, "AUTH TLS\r\n", cancellationToken).ConfigureAwait(false);
        var answer = await StartTlsNegotiator.ReadNumericReplyAsync(reader, cancellationToken).ConfigureAwait(false);
        if (answer.Code != 234)
        {
            throw StartTlsNegotiator.Refused(target, "refused AUTH TLS", string.Join(" ", answer.Lines));
        }
    }
}
