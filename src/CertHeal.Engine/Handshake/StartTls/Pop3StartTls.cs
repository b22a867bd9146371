namespace CertHeal.Handshake;

/// <summary>POP3 (RFC 2595): "+OK" greeting, STLS answered "+OK".</summary>
internal static class Pop3StartTls
{
    public static async Task NegotiateAsync(Stream stream, TlsTarget target, CancellationToken cancellationToken)
    {
        var reader = new PlainTextReader(stream);
        var greeting = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        if (greeting is null || !greeting.StartsWith("+OK", StringComparison.OrdinalIgnoreCase))
        {
            throw StartTlsNegotiator.Refused(target, "did not greet as a POP3 server", greeting);
        }
        await StartTlsNegotiator.SendAsync(stream, "STLS\r\n", cancellationToken).ConfigureAwait(false);
        var answer = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        if (answer is null || !answer.StartsWith("+OK", StringComparison.OrdinalIgnoreCase))
        {
            throw StartTlsNegotiator.Refused(target, "refused STLS", answer);
        }
    }
}
