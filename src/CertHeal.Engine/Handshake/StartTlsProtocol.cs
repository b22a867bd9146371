namespace CertHeal.Handshake;

/// <summary>
/// The plain-text protocols that upgrade to TLS on the same connection. The probe speaks just
/// enough of each to ask for the upgrade, then hands the stream to the TLS handshake.
/// </summary>
public enum StartTlsProtocol
{
    None,
    Smtp,
    Imap,
    Pop3,
    Ftp,
    Ldap,
    Postgres,
    MySql,
    Xmpp,
}
