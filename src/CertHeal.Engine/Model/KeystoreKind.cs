namespace CertHeal;

/// <summary>What role a found trust store plays, so scripts can pick e.g. every Java cacerts.</summary>
public enum KeystoreKind
{
    /// <summary>A JDK/JRE's lib/security/cacerts (or Debian's shared /etc/ssl/certs/java/cacerts).</summary>
    JavaCacerts,
    /// <summary>A JDK's lib/security/jssecacerts, which Java prefers over cacerts when it exists.</summary>
    JavaJsseCacerts,
    /// <summary>A store named by -Djavax.net.ssl.trustStore.</summary>
    JavaTrustStore,
    /// <summary>The OS CA bundle OpenSSL (and so curl, git, Node, .NET on Linux) reads.</summary>
    SystemBundle,
    /// <summary>The OS hashed certificate folder (OpenSSL's CApath).</summary>
    SystemDirectory,
    /// <summary>Where local CAs are dropped for update-ca-certificates / update-ca-trust to pick up.</summary>
    SystemSource,
    /// <summary>A bundle named by an environment variable or a tool's configuration.</summary>
    ConfiguredBundle,
    /// <summary>Python's certifi bundle (requests, pip's vendored copy).</summary>
    Certifi,
    /// <summary>Node's NODE_EXTRA_CA_CERTS, added to its built-in roots.</summary>
    NodeExtraCaCerts,
    /// <summary>A Windows certificate store (Cert:\CurrentUser\Root).</summary>
    WindowsStore,
    /// <summary>An NSS database (cert9.db): a Firefox profile's, Chromium's ~/.pki/nssdb, the system's /etc/pki/nssdb.</summary>
    NssDatabase,
    /// <summary>A keystore found by content under a -Path folder (an app's own truststore).</summary>
    Application,
}
