using System.Text;

namespace CertHeal.Handshake;

/// <summary>
/// LDAP (RFC 4511 §4.14): the StartTLS extended operation 1.3.6.1.4.1.1466.20037, encoded and
/// decoded here in the few bytes of BER it takes (no LDAP library is served); resultCode 0
/// means TLS follows.
/// </summary>
internal static class LdapStartTls
{
    private const string StartTlsOid = "1.3.6.1.4.1.1466.20037";
    private const int MaxMessage = 64 * 1024;

    public static async Task NegotiateAsync(Stream stream, TlsTarget target, CancellationToken cancellationToken)
    {
        var oid = Encoding.ASCII.GetBytes(StartTlsOid);
        // LDAPMessage ::= SEQUENCE { messageID 1, extendedReq [APPLICATION 23] { requestName [0] OID } }
        byte[] request = [0x30, (byte)(oid.Length + 7), 0x02, 0x01, 0x01, 0x77, (byte)(oid.Length + 2), 0x80, (byte)oid.Length, .. oid];
        await stream.WriteAsync(request, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);

        var reader = new PlainTextReader(stream, MaxMessage + 16);
        var tag = await ReadByteAsync(reader, target, cancellationToken).ConfigureAwait(false);
        if (tag != 0x30)
        {
            throw StartTlsNegotiator.Refused(target, "did not answer the LDAP StartTLS request as an LDAP server", $"0x{tag:x2}");
        }
        var length = await ReadLengthAsync(reader, target, cancellationToken).ConfigureAwait(false);
        var body = await reader.ReadExactlyAsync(length, cancellationToken).ConfigureAwait(false);
        var (code, diagnostic) = ParseExtendedResponse(body, target);
        if (code != 0)
        {
            throw StartTlsNegotiator.Refused(target, "refused the LDAP StartTLS operation", $"resultCode {code}{(diagnostic.Length > 0 ? ": " + diagnostic : "")}");
        }
    }

    private static async Task<byte> ReadByteAsync(PlainTextReader reader, TlsTarget target, CancellationToken cancellationToken)
    {
        try
        {
            return (await reader.ReadExactlyAsync(1, cancellationToken).ConfigureAwait(false))[0];
        }
        catch (EndOfStreamException e)
        {
            throw new StartTlsRefusedException($"{target.Display} closed the connection on the LDAP StartTLS request; use ldaps:// on 636 or enable TLS on the server.", e);
        }
    }

    private static async Task<int> ReadLengthAsync(PlainTextReader reader, TlsTarget target, CancellationToken cancellationToken)
    {
        var first = await ReadByteAsync(reader, target, cancellationToken).ConfigureAwait(false);
        if (first < 0x80)
        {
            return first;
        }
        var count = first & 0x7F;
        if (count is 0 or > 3)
        {
            throw StartTlsNegotiator.Refused(target, "sent an LDAP message with an unusable length", $"0x{first:x2}");
        }
        var length = 0;
        foreach (var b in await reader.ReadExactlyAsync(count, cancellationToken).ConfigureAwait(false))
        {
            length = (length << 8) | b;
        }
        if (length > MaxMessage)
        {
            throw StartTlsNegotiator.Refused(target, "sent an oversized LDAP message", $"{length} bytes");
        }
        return length;
    }

    /// <summary>messageID, then [APPLICATION 24] { resultCode ENUMERATED, matchedDN, diagnosticMessage, ... }.</summary>
    private static (int Code, string Diagnostic) ParseExtendedResponse(byte[] body, TlsTarget target)
    {
        var position = 0;
        (byte Tag, byte[] Value) Next(byte[] data, ref int at)
        {
            if (at + 2 > data.Length)
            {
                throw StartTlsNegotiator.Refused(target, "sent a truncated LDAP response", null);
            }
            var tag = data[at++];
            int length = data[at++];
            if (length >= 0x80)
            {
                var count = length & 0x7F;
                length = 0;
                for (var i = 0; i < count && at < data.Length; i++)
                {
                    length = (length << 8) | data[at++];
                }
            }
            if (length < 0 || at + length > data.Length)
            {
                throw StartTlsNegotiator.Refused(target, "sent a truncated LDAP response", null);
            }
            var value = data.AsSpan(at, length).ToArray();
            at += length;
            return (tag, value);
        }
        Next(body, ref position); // messageID
        var (operation, response) = Next(body, ref position);
        if (operation != 0x78)
        {
            throw StartTlsNegotiator.Refused(target, "answered StartTLS with another LDAP operation", $"tag 0x{operation:x2}");
        }
        var inner = 0;
        var (_, code) = Next(response, ref inner);
        Next(response, ref inner); // matchedDN
        var diagnostic = inner < response.Length ? Encoding.UTF8.GetString(Next(response, ref inner).Value) : "";
        var result = 0;
        foreach (var b in code)
        {
            result = (result << 8) | b;
        }
        return (result, diagnostic);
    }
}
