namespace CertHeal.Handshake;

/// <summary>
/// The options a Reason or a Recommendation may name, in no host's words: each host
/// (the cmdlets, the CLI) maps them to what its users type, through IHostVocabulary.
/// </summary>
public enum HostOption
{
    Port,
    ServerName,
    Timeout,
    ClientCertificate,
    Protocol,
    StartTls,
    Proxy,
    NoProxy,
    ProxyCredential,
    Keystore,
}
