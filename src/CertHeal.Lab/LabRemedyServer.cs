using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace CertHeal.Lab;

/// <summary>
/// A TLS server that answers only a client that reaches it exactly as the probe did: when
/// <c>serverName</c> is set it refuses any other SNI (so a command that forgets --sni fails),
/// and with <c>smtp</c> it speaks RFC 3207 before TLS (so one that forgets the STARTTLS upgrade fails).
/// </summary>
public static class LabRemedyServer
{
    public static LabListener Start(X509Certificate2 leaf, IReadOnlyList<X509Certificate2> chain, string? serverName = null, bool smtp = false)
    {
        var options = new SslServerAuthenticationOptions { ServerCertificateContext = SslStreamCertificateContext.Create(leaf, [.. chain], offline: true) };
        return new LabListener(async (stream, token) =>
        {
            if (smtp && !await SmtpAsync(stream, token))
            {
                return;
            }
            await using var tls = new SslStream(stream, leaveInnerStreamOpen: true);
            await tls.AuthenticateAsServerAsync((_, info, _, _) => serverName is null || string.Equals(info.ServerName, serverName, StringComparison.OrdinalIgnoreCase)
                ? ValueTask.FromResult(options)
                : throw new AuthenticationException($"SNI '{info.ServerName}' is not '{serverName}'."), null, token);
            await tls.ReadAtLeastAsync(new byte[1], 1, throwOnEndOfStream: false, token);
        });
    }

    private static async Task<bool> SmtpAsync(NetworkStream stream, CancellationToken token)
    {
        using var reader = new StreamReader(stream, Encoding.ASCII, false, 1, leaveOpen: true);
        async Task Send(string text) => await stream.WriteAsync(Encoding.ASCII.GetBytes(text), token);
        await Send("220 mail.certheal.test ESMTP lab\r\n");
        if ((await reader.ReadLineAsync(token))?.StartsWith("EHLO", StringComparison.OrdinalIgnoreCase) != true)
        {
            return false;
        }
        await Send("250-mail.certheal.test\r\n250 STARTTLS\r\n");
        if (await reader.ReadLineAsync(token) != "STARTTLS")
        {
            await Send("502 5.5.1 command not implemented\r\n");
            return false;
        }
        await Send("220 2.0.0 Ready to start TLS\r\n");
        return true;
    }
}
