namespace CertHeal;

/// <summary>Where Debian runs code after trust stores change.</summary>
public enum KeystoreHookKind
{
    /// <summary>/etc/ca-certificates/update.d/certheal: run by update-ca-certificates after it regenerated the OS bundle.</summary>
    UpdateCaCertificates,

    /// <summary>/etc/apt/apt.conf.d/80certheal: APT's DPkg::Post-Invoke, after every dpkg run (JDK, ca-certificates-java upgrades).</summary>
    DpkgPostInvoke,
}
