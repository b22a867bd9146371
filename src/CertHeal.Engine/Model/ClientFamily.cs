namespace CertHeal;

/// <summary>The client families a ClientVerdict speaks for.</summary>
public enum ClientFamily
{
    /// <summary>.NET's HttpClient/SslStream on this machine with default settings.</summary>
    DotNet,

    /// <summary>OpenSSL's s_client and curl built on OpenSSL, at OpenSSL's default security level.</summary>
    OpenSsl,

    /// <summary>Java (SunJSSE) with a current LTS's default java.security.</summary>
    Java,

    /// <summary>Current Chrome, Edge, Firefox and Safari (which fetch missing intermediates through AIA).</summary>
    Browser,
}
