namespace CertHeal;

/// <summary>The runtimes whose trust store Find-Keystore knows how to switch for a process.</summary>
public enum SteeringRuntime
{
    Node,
    Python,
    Java,
    Git,

    /// <summary>The openssl command line (s_client and friends).</summary>
    OpenSsl,
}
