namespace CertHeal.Handshake;

/// <summary>The HTTP proxy did not open a tunnel; the message carries the proxy's own answer (its status line).</summary>
public sealed class ProxyRefusedException(string message, Exception? inner = null) : IOException(message, inner);

/// <summary>The server did not offer or refused the STARTTLS upgrade; the message carries its answer.</summary>
public sealed class StartTlsRefusedException(string message, Exception? inner = null) : IOException(message, inner);
