using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Lab;

/// <summary>
/// A TLS server that misbehaves on purpose, written at the record layer because no TLS stack
/// will: a Certificate message with 1,000 certificates, one that claims 10 MB, a reset in the
/// middle of the handshake. Clients must end each with one clear error within their timeout.
/// </summary>
public static class LabHostileServer
{
    public enum Mode
    {
        ThousandCertificates,
        HugeCertificateMessage,
        ResetMidHandshake,

        /// <summary>Sends a ServerHello, then nothing, holding the connection open.</summary>
        StallAfterServerHello,

        /// <summary>Answers the ClientHello with an HTTP error page, as a plain-HTTP service on a TLS port does.</summary>
        SpeakHttp,
    }

    private const int HugeLength = 10 * 1024 * 1024;

    public static LabListener Start(Mode mode, X509Certificate2 certificate) => new((stream, token) => ServeAsync(stream, mode, certificate, token));

    private static async Task ServeAsync(NetworkStream stream, Mode mode, X509Certificate2 certificate, CancellationToken token)
    {
        var hello = await ReadRecordAsync(stream, token).ConfigureAwait(false);
        if (hello is null)
        {
            return;
        }
        if (mode == Mode.SpeakHttp)
        {
            await stream.WriteAsync("HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\nContent-Length: 21\r\nConnection: close\r\n\r\n<html>400 Bad</html>\n"u8.ToArray(), token).ConfigureAwait(false);
            return;
        }
        if (mode == Mode.StallAfterServerHello)
        {
            await WriteRecordsAsync(stream, ServerHello(ChooseCipher(hello)), token).ConfigureAwait(false);
            await Task.Delay(Timeout.Infinite, token).ConfigureAwait(false);
            return;
        }
        if (mode == Mode.ResetMidHandshake)
        {
            await stream.WriteAsync(new byte[] { 0x16, 0x03, 0x03, 0x00, 0x40, 0x02, 0x00 }, token).ConfigureAwait(false);
            stream.Socket.LingerState = new LingerOption(true, 0);
            stream.Socket.Close();
            return;
        }
        await WriteRecordsAsync(stream, ServerHello(ChooseCipher(hello)), token).ConfigureAwait(false);
        if (mode == Mode.ThousandCertificates)
        {
            var der = certificate.RawData;
            var list = new MemoryStream();
            for (var i = 0; i < 1000; i++)
            {
                WriteUInt24(list, der.Length);
                list.Write(der);
            }
            var body = new MemoryStream();
            WriteUInt24(body, (int)list.Length);
            list.Position = 0;
            list.CopyTo(body);
            await WriteRecordsAsync(stream, Handshake(11, body.ToArray()), token).ConfigureAwait(false);
        }
        else
        {
            // Claim 10 MB and keep sending until the client hangs up or 10 MB are out.
            var header = new MemoryStream();
            header.WriteByte(11);
            WriteUInt24(header, HugeLength);
            WriteUInt24(header, HugeLength - 3);
            await WriteRecordsAsync(stream, header.ToArray(), token).ConfigureAwait(false);
            var chunk = new byte[16 * 1024];
            for (var sent = 0; sent < HugeLength; sent += chunk.Length)
            {
                await WriteRecordsAsync(stream, chunk, token).ConfigureAwait(false);
            }
        }
        var sink = new byte[4096];
        while (await stream.ReadAsync(sink, token).ConfigureAwait(false) > 0)
        {
        }
    }

    private static async Task<byte[]?> ReadRecordAsync(NetworkStream stream, CancellationToken token)
    {
        var header = new byte[5];
        if (!await ReadExactlyAsync(stream, header, token).ConfigureAwait(false) || header[0] != 0x16)
        {
            return null;
        }
        var body = new byte[(header[3] << 8) | header[4]];
        return await ReadExactlyAsync(stream, body, token).ConfigureAwait(false) ? body : null;
    }

    private static async Task<bool> ReadExactlyAsync(NetworkStream stream, byte[] buffer, CancellationToken token)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), token).ConfigureAwait(false);
            if (n == 0)
            {
                return false;
            }
            read += n;
        }
        return true;
    }

    /// <summary>Picks an ECDHE AES-GCM suite the ClientHello offers (every OpenSSL client offers one).</summary>
    private static ushort ChooseCipher(byte[] clientHello)
    {
        var offset = 4 + 2 + 32; // handshake header, version, random
        offset += 1 + clientHello[offset]; // session id
        var length = (clientHello[offset] << 8) | clientHello[offset + 1];
        var offered = new HashSet<ushort>();
        for (var i = 0; i < length; i += 2)
        {
            offered.Add((ushort)((clientHello[offset + 2 + i] << 8) | clientHello[offset + 3 + i]));
        }
        foreach (var preferred in new ushort[] { 0xC02F, 0xC02B, 0xC030, 0xC02C })
        {
            if (offered.Contains(preferred))
            {
                return preferred;
            }
        }
        return 0xC02F;
    }

    private static byte[] ServerHello(ushort cipher)
    {
        var body = new MemoryStream();
        body.Write([0x03, 0x03]);
        body.Write(RandomNumberGenerator.GetBytes(32));
        body.WriteByte(0); // no session id
        body.Write([(byte)(cipher >> 8), (byte)cipher]);
        body.WriteByte(0); // no compression
        body.Write([0x00, 0x05, 0xFF, 0x01, 0x00, 0x01, 0x00]); // renegotiation_info, so OpenSSL 3 clients accept it
        return Handshake(2, body.ToArray());
    }

    private static byte[] Handshake(byte type, byte[] body)
    {
        var message = new MemoryStream();
        message.WriteByte(type);
        WriteUInt24(message, body.Length);
        message.Write(body);
        return message.ToArray();
    }

    private static async Task WriteRecordsAsync(NetworkStream stream, byte[] payload, CancellationToken token)
    {
        for (var offset = 0; offset < payload.Length; offset += 16384)
        {
            var length = Math.Min(16384, payload.Length - offset);
            await stream.WriteAsync(new byte[] { 0x16, 0x03, 0x03, (byte)(length >> 8), (byte)length }, token).ConfigureAwait(false);
            await stream.WriteAsync(payload.AsMemory(offset, length), token).ConfigureAwait(false);
        }
    }

    private static void WriteUInt24(Stream stream, int value)
    {
        stream.WriteByte((byte)(value >> 16));
        stream.WriteByte((byte)(value >> 8));
        stream.WriteByte((byte)value);
    }
}
