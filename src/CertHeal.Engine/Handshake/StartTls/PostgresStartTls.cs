using System.Buffers.Binary;

namespace CertHeal.Handshake;

/// <summary>PostgreSQL: the SSLRequest message (length 8, code 80877103); 'S' means TLS follows, 'N' that the server has no TLS.</summary>
internal static class PostgresStartTls
{
    public static async Task NegotiateAsync(Stream stream, TlsTarget target, CancellationToken cancellationToken)
    {
        var request = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(request, 8);
        BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(4), 80877103);
        await stream.WriteAsync(request, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        var answer = new byte[1];
        var read = await stream.ReadAsync(answer, cancellationToken).ConfigureAwait(false);
        switch (read == 0 ? -1 : answer[0])
        {
            case 'S':
                return;
            case 'N':
                throw StartTlsNegotiator.Refused(target, "refused the SSLRequest (ssl is off on this PostgreSQL server)", "N");
            case 'E':
                throw StartTlsNegotiator.Refused(target, "answered the SSLRequest with an error (not PostgreSQL 7.2 or later, or not PostgreSQL)", "E");
            case -1:
                throw StartTlsNegotiator.Refused(target, "closed the connection on the SSLRequest", null);
            default:
                throw StartTlsNegotiator.Refused(target, "did not answer the SSLRequest as PostgreSQL does", $"0x{answer[0]:x2}");
        }
    }
}
