using System.Text;

namespace CertHeal.Handshake;

/// <summary>
/// Reads a pre-TLS conversation (proxy answers, STARTTLS replies) one byte at a time, so not a
/// byte of the TLS handshake that follows is consumed, and bounded in size so a hostile or
/// confused peer cannot make the probe read forever (the caller's token bounds the time).
/// </summary>
internal sealed class PlainTextReader(Stream stream, int maxBytes = 64 * 1024)
{
    private int _total;

    /// <summary>One line without its CR LF; null when the peer closed the connection first.</summary>
    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new List<byte>(128);
        var one = new byte[1];
        while (true)
        {
            var read = await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return line.Count == 0 ? null : Decode(line);
            }
            if (++_total > maxBytes)
            {
                throw new InvalidDataException($"The server sent more than {maxBytes / 1024} KB before TLS; it does not speak the expected protocol.");
            }
            if (one[0] == '\n')
            {
                return Decode(line).TrimEnd('\r');
            }
            line.Add(one[0]);
        }
    }

    /// <summary>Reads until the text read so far satisfies <paramref name="done"/>; returns all of it.</summary>
    public async Task<string> ReadUntilAsync(Func<string, bool> done, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            var read = await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return text.ToString();
            }
            if (++_total > maxBytes)
            {
                throw new InvalidDataException($"The server sent more than {maxBytes / 1024} KB before TLS; it does not speak the expected protocol.");
            }
            text.Append((char)one[0]);
            if (one[0] == '>' && done(text.ToString()))
            {
                return text.ToString();
            }
        }
    }

    public async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancellationToken)
    {
        if ((_total += count) > maxBytes)
        {
            throw new InvalidDataException($"The server sent more than {maxBytes / 1024} KB before TLS; it does not speak the expected protocol.");
        }
        var buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer;
    }

    private static string Decode(List<byte> bytes) => Encoding.Latin1.GetString(bytes.ToArray());

    /// <summary>An answer as it goes into a Reason: printable, one line, short.</summary>
    public static string Quote(string? answer)
    {
        if (string.IsNullOrEmpty(answer))
        {
            return "(nothing; it closed the connection)";
        }
        var clean = new string(answer.Select(c => char.IsControl(c) ? ' ' : c).ToArray()).Trim();
        return "'" + (clean.Length > 200 ? clean[..200] + "..." : clean) + "'";
    }
}
