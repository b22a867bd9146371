namespace CertHeal.Handshake;

/// <summary>
/// The HTTP proxy did not open a tunnel; the message carries the proxy's own answer (its status
/// line). What to change is a Hint, not text: the probe words it with the host's option names.
/// </summary>
public sealed class ProxyRefusedException(string message, Exception? inner = null, ProxyHint hint = ProxyHint.None) : IOException(message, inner)
{
    public ProxyHint Hint { get; } = hint;
}

/// <summary>Which option would change a proxy's answer.</summary>
public enum ProxyHint
{
    None,
    Credentials,
    Unreachable,
}

/// <summary>The server did not offer or refused the STARTTLS upgrade; the message carries its answer.</summary>
public sealed class StartTlsRefusedException(string message, Exception? inner = null) : IOException(message, inner);
