using System.Net;
using System.Net.Security;
using System.Text;

namespace CertHeal.Handshake;

/// <summary>
/// A tunnel through an HTTP proxy (CONNECT host:port). Basic authentication is sent when the
/// proxy asks (407) and a credential is known; Negotiate and NTLM use .NET's
/// NegotiateAuthentication: on Windows through SSPI; elsewhere NTLM is .NET's managed
/// implementation (see UseManagedNtlmOutsideWindows) and Kerberos needs GSSAPI. Any refusal is a ProxyRefusedException carrying the
/// proxy's status line, never mistaken for a TLS failure.
/// </summary>
public sealed class ProxyConnector(Uri proxy, NetworkCredential? credential, IConnector tcp) : IConnector
{
    private const int MaxAttempts = 3;

    public async Task<Connection> ConnectAsync(TlsTarget target, CancellationToken cancellationToken)
    {
        var proxyName = ProxySettings.Describe(proxy);
        string? authorization = null;
        NegotiateAuthentication? negotiate = null;
        string? challengeProblem = null;
        try
        {
            Connection? connection = null;
            for (var attempt = 0; attempt < MaxAttempts; attempt++)
            {
                connection ??= await OpenAsync(proxyName, cancellationToken).ConfigureAwait(false);
                var answer = await SendConnectAsync(connection.Stream, target, authorization, cancellationToken).ConfigureAwait(false);
                if (answer.Status == 200)
                {
                    return connection;
                }
                // tinyproxy answers a CONNECT without credentials with 401 and WWW-Authenticate, not 407.
                if (answer.Status is 407 or 401 && credential is not null)
                {
                    var next = NextAuthorization(answer, ref negotiate, ref challengeProblem);
                    if (next is not null && next != authorization)
                    {
                        authorization = next;
                        if (answer.Close)
                        {
                            await connection.DisposeAsync().ConfigureAwait(false);
                            connection = null;
                        }
                        else
                        {
                            await answer.DrainBodyAsync(cancellationToken).ConfigureAwait(false);
                        }
                        continue;
                    }
                }
                await connection.DisposeAsync().ConfigureAwait(false);
                throw challengeProblem is null
                    ? Refusal(answer, target, proxyName)
                    : new ProxyRefusedException($"The proxy {proxyName} asked for authentication to {target.Host}:{target.Port} but {challengeProblem}.");
            }
            await connection!.DisposeAsync().ConfigureAwait(false);
            throw new ProxyRefusedException($"The proxy {proxyName} kept asking for authentication for {target.Host}:{target.Port}.", null, ProxyHint.Credentials);
        }
        finally
        {
            negotiate?.Dispose();
        }
    }

    private async Task<Connection> OpenAsync(string proxyName, CancellationToken cancellationToken)
    {
        var proxyTarget = TlsTarget.Parse(proxy.Host.Trim('[', ']'), proxy.Port);
        try
        {
            return await tcp.ConnectAsync(proxyTarget, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException)
        {
            throw new ProxyRefusedException($"The proxy {proxyName} could not be reached ({e.Message.TrimEnd('.')}).", e, ProxyHint.Unreachable);
        }
    }

    private string? NextAuthorization(ProxyAnswer answer, ref NegotiateAuthentication? negotiate, ref string? problem)
    {
        foreach (var challenge in answer.Challenges)
        {
            var space = challenge.IndexOf(' ');
            var scheme = space < 0 ? challenge : challenge[..space];
            var data = space < 0 ? null : challenge[(space + 1)..].Trim();
            if (scheme.Equals("Negotiate", StringComparison.OrdinalIgnoreCase) || scheme.Equals("NTLM", StringComparison.OrdinalIgnoreCase))
            {
                try
                {
                    UseManagedNtlmOutsideWindows();
                    negotiate ??= new NegotiateAuthentication(new NegotiateAuthenticationClientOptions
                    {
                        Package = scheme.Equals("NTLM", StringComparison.OrdinalIgnoreCase) ? "NTLM" : "Negotiate",
                        Credential = credential!,
                        TargetName = "HTTP/" + proxy.Host,
                    });
                    var blob = negotiate.GetOutgoingBlob(data is { Length: > 0 } ? data : null, out var status);
                    if (blob is not null && status is NegotiateAuthenticationStatusCode.Completed or NegotiateAuthenticationStatusCode.ContinueNeeded)
                    {
                        return scheme + " " + blob;
                    }
                    if (data is { Length: > 0 })
                    {
                        problem = $"its {scheme} challenge was rejected by .NET's {scheme} implementation ({status})";
                    }
                }
                catch (ArgumentException e) when (data is { Length: > 0 })
                {
                    // A malformed challenge (a security buffer pointing outside the message) throws rather than failing with a status.
                    problem = $"its {scheme} challenge is malformed ({e.Message.TrimEnd('.')})";
                }
                catch (PlatformNotSupportedException)
                {
                    // Fall through to Basic when offered; otherwise the 407 is reported as is.
                }
            }
        }
        if (answer.Challenges.Any(c => c.StartsWith("Basic", StringComparison.OrdinalIgnoreCase)))
        {
            var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential!.UserName}:{credential.Password}"));
            return "Basic " + token;
        }
        return null;
    }

    /// <summary>
    /// Outside Windows, .NET's NTLM goes through GSSAPI, which has no NTLM mechanism unless
    /// gss-ntlmssp is installed, so NTLM proxies answered 407 for ever. .NET documents the opt-in
    /// to its own managed NTLM (NetworkCredential remarks: the AppContext switch
    /// System.Net.Security.UseManagedNtlm, read once per process): it is set here, before the
    /// first NegotiateAuthentication, unless the host has already decided either way.
    /// </summary>
    private static void UseManagedNtlmOutsideWindows()
    {
        const string Switch = "System.Net.Security.UseManagedNtlm";
        if (!OperatingSystem.IsWindows() && !AppContext.TryGetSwitch(Switch, out _))
        {
            AppContext.SetSwitch(Switch, true);
        }
    }

    private static ProxyRefusedException Refusal(ProxyAnswer answer, TlsTarget target, string proxyName)
    {
        var status = PlainTextReader.Quote(answer.StatusLine);
        var hint = answer.Status switch
        {
            407 or 401 => "",
            403 => "; the proxy's policy forbids this destination or port",
            502 or 503 or 504 => "; the proxy could not reach the server",
            _ => "",
        };
        return new ProxyRefusedException($"The proxy {proxyName} refused to open a tunnel to {target.Host}:{target.Port}: {status}{hint}.", null,
            answer.Status is 407 or 401 ? ProxyHint.Credentials : ProxyHint.None);
    }

    private static async Task<ProxyAnswer> SendConnectAsync(Stream stream, TlsTarget target, string? authorization, CancellationToken cancellationToken)
    {
        var authority = target.Host.Contains(':') ? $"[{target.Host}]:{target.Port}" : $"{target.Host}:{target.Port}";
        var request = new StringBuilder()
            .Append("CONNECT ").Append(authority).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(authority).Append("\r\n")
            .Append("User-Agent: CertHeal\r\n");
        if (authorization is not null)
        {
            request.Append("Proxy-Authorization: ").Append(authorization).Append("\r\n");
        }
        request.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        return await ProxyAnswer.ReadAsync(stream, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The proxy's answer to CONNECT: status, its challenges, and how to skip its body.</summary>
    private sealed class ProxyAnswer
    {
        private PlainTextReader _reader = null!;

        public string? StatusLine { get; private init; }
        public int Status { get; private init; }
        public List<string> Challenges { get; } = [];
        public long ContentLength { get; private set; }
        public bool Close { get; private set; }

        public static async Task<ProxyAnswer> ReadAsync(Stream stream, CancellationToken cancellationToken)
        {
            var reader = new PlainTextReader(stream);
            var statusLine = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            var parts = statusLine?.Split(' ', 3) ?? [];
            var status = parts.Length >= 2 && parts[0].StartsWith("HTTP/", StringComparison.Ordinal) && int.TryParse(parts[1], out var code) ? code : 0;
            var answer = new ProxyAnswer { StatusLine = statusLine, Status = status, _reader = reader, Close = statusLine is null || status == 0 };
            if (status == 0)
            {
                return answer;
            }
            for (var i = 0; i < 100; i++)
            {
                var line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
                if (string.IsNullOrEmpty(line))
                {
                    break;
                }
                var colon = line.IndexOf(':');
                if (colon <= 0)
                {
                    continue;
                }
                var name = line[..colon].Trim();
                var value = line[(colon + 1)..].Trim();
                if (name.Equals("Proxy-Authenticate", StringComparison.OrdinalIgnoreCase) || name.Equals("WWW-Authenticate", StringComparison.OrdinalIgnoreCase))
                {
                    answer.Challenges.Add(value);
                }
                else if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) && long.TryParse(value, out var length))
                {
                    answer.ContentLength = length;
                }
                else if ((name.Equals("Connection", StringComparison.OrdinalIgnoreCase) || name.Equals("Proxy-Connection", StringComparison.OrdinalIgnoreCase))
                    && value.Contains("close", StringComparison.OrdinalIgnoreCase))
                {
                    answer.Close = true;
                }
            }
            if (parts[0] == "HTTP/1.0")
            {
                answer.Close = true;
            }
            return answer;
        }

        public async Task DrainBodyAsync(CancellationToken cancellationToken)
        {
            if (ContentLength is > 0 and <= 60 * 1024)
            {
                await _reader.ReadExactlyAsync((int)ContentLength, cancellationToken).ConfigureAwait(false);
            }
            else if (ContentLength > 0)
            {
                throw new ProxyRefusedException("The proxy sent an oversized authentication page; CertHeal stopped reading it.");
            }
        }
    }
}
