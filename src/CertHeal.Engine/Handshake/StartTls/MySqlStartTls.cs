using System.Buffers.Binary;
using System.Text;

namespace CertHeal.Handshake;

/// <summary>
/// MySQL/MariaDB: the server speaks first (protocol 10 handshake); when it advertises
/// CLIENT_SSL the client answers with an SSLRequest packet and TLS starts.
/// </summary>
internal static class MySqlStartTls
{
    private const uint ClientLongPassword = 0x1, ClientProtocol41 = 0x200, ClientSsl = 0x800, ClientSecureConnection = 0x8000;

    public static async Task NegotiateAsync(Stream stream, TlsTarget target, CancellationToken cancellationToken)
    {
        var reader = new PlainTextReader(stream);
        byte[] header;
        try
        {
            header = await reader.ReadExactlyAsync(4, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException e)
        {
            throw new StartTlsRefusedException($"{target.Display} closed the connection before the MySQL greeting.", e);
        }
        var length = header[0] | (header[1] << 8) | (header[2] << 16);
        var payload = await reader.ReadExactlyAsync(Math.Min(length, 60 * 1024), cancellationToken).ConfigureAwait(false);
        if (payload.Length > 0 && payload[0] == 0xFF)
        {
            var message = payload.Length > 3 ? Encoding.UTF8.GetString(payload, 3, payload.Length - 3).TrimStart('#') : "";
            throw StartTlsNegotiator.Refused(target, "refused the connection before TLS", message);
        }
        if (payload.Length < 1 || payload[0] != 10)
        {
            throw StartTlsNegotiator.Refused(target, "did not greet as a MySQL server", payload.Length == 0 ? null : $"protocol {payload[0]}");
        }
        var end = Array.IndexOf(payload, (byte)0, 1);
        var capabilityAt = end + 1 + 4 + 8 + 1;
        if (end < 0 || capabilityAt + 2 > payload.Length)
        {
            throw StartTlsNegotiator.Refused(target, "sent a truncated MySQL greeting", null);
        }
        var version = Encoding.ASCII.GetString(payload, 1, end - 1);
        var capabilities = BinaryPrimitives.ReadUInt16LittleEndian(payload.AsSpan(capabilityAt));
        if ((capabilities & ClientSsl) == 0)
        {
            throw StartTlsNegotiator.Refused(target, "does not offer TLS (CLIENT_SSL is not set)", "MySQL " + version);
        }
        var request = new byte[4 + 32];
        request[0] = 32;
        request[3] = (byte)(header[3] + 1);
        BinaryPrimitives.WriteUInt32LittleEndian(request.AsSpan(4), ClientLongPassword | ClientProtocol41 | ClientSsl | ClientSecureConnection);
        BinaryPrimitives.WriteUInt32LittleEndian(request.AsSpan(8), 16 * 1024 * 1024);
        request[12] = 33; // utf8_general_ci
        await stream.WriteAsync(request, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
