using System.Security;

namespace CertHeal.Handshake;

/// <summary>XMPP (RFC 6120 §5): open a client stream, find starttls among the features, ask, expect proceed.</summary>
internal static class XmppStartTls
{
    private const string TlsNamespace = "urn:ietf:params:xml:ns:xmpp-tls";

    public static async Task NegotiateAsync(Stream stream, TlsTarget target, CancellationToken cancellationToken)
    {
        var domain = SecurityElement.Escape(target.ServerName);
        await StartTlsNegotiator.SendAsync(stream,
            $"<?xml version='1.0'?><stream:stream to='{domain}' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>",
            cancellationToken).ConfigureAwait(false);
        var reader = new PlainTextReader(stream);
        var features = await reader.ReadUntilAsync(t => t.Contains("</stream:features>", StringComparison.Ordinal)
            || t.Contains("</stream:stream>", StringComparison.Ordinal) || t.Contains("<stream:error", StringComparison.Ordinal) && t.EndsWith("</stream:error>", StringComparison.Ordinal),
            cancellationToken).ConfigureAwait(false);
        if (!features.Contains(TlsNamespace, StringComparison.Ordinal))
        {
            throw StartTlsNegotiator.Refused(target, "does not offer STARTTLS in its stream features", Tail(features));
        }
        await StartTlsNegotiator.SendAsync(stream, $"<starttls xmlns='{TlsNamespace}'/>", cancellationToken).ConfigureAwait(false);
        var answer = await reader.ReadUntilAsync(t => t.Contains("<proceed", StringComparison.Ordinal) || t.Contains("<failure", StringComparison.Ordinal)
            || t.Contains("</stream:stream>", StringComparison.Ordinal), cancellationToken).ConfigureAwait(false);
        if (!answer.Contains("<proceed", StringComparison.Ordinal))
        {
            throw StartTlsNegotiator.Refused(target, "refused STARTTLS", Tail(answer));
        }
    }

    private static string Tail(string text) => text.Length > 200 ? text[^200..] : text;
}
