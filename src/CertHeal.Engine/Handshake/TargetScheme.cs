namespace CertHeal.Handshake;

/// <summary>
/// What a URL scheme in a target means: its default port, and whether the port speaks a
/// plain-text protocol that upgrades with STARTTLS (smtp://, postgres://) or TLS from the first
/// byte (ldaps://, smtps://).
/// </summary>
internal static class TargetScheme
{
    private static readonly Dictionary<string, (int Port, StartTlsProtocol StartTls)> Schemes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["https"] = (443, StartTlsProtocol.None),
        ["smtp"] = (25, StartTlsProtocol.Smtp),
        ["imap"] = (143, StartTlsProtocol.Imap),
        ["pop3"] = (110, StartTlsProtocol.Pop3),
        ["ftp"] = (21, StartTlsProtocol.Ftp),
        ["ldap"] = (389, StartTlsProtocol.Ldap),
        ["postgres"] = (5432, StartTlsProtocol.Postgres),
        ["postgresql"] = (5432, StartTlsProtocol.Postgres),
        ["mysql"] = (3306, StartTlsProtocol.MySql),
        ["xmpp"] = (5222, StartTlsProtocol.Xmpp),
        ["ldaps"] = (636, StartTlsProtocol.None),
        ["smtps"] = (465, StartTlsProtocol.None),
        ["imaps"] = (993, StartTlsProtocol.None),
        ["pop3s"] = (995, StartTlsProtocol.None),
        ["ftps"] = (990, StartTlsProtocol.None),
    };

    public static bool TryGet(string scheme, out int defaultPort, out StartTlsProtocol startTls)
    {
        if (Schemes.TryGetValue(scheme, out var entry))
        {
            (defaultPort, startTls) = entry;
            return true;
        }
        defaultPort = 0;
        startTls = StartTlsProtocol.None;
        return false;
    }

    /// <summary>The well-known port of a STARTTLS protocol (the plain-text port it upgrades on).</summary>
    public static int? DefaultPort(StartTlsProtocol protocol) =>
        protocol == StartTlsProtocol.None ? null : TryGet(Name(protocol), out var port, out _) ? port : null;

    /// <summary>The scheme a target is displayed with, so a Recommendation copied from a result keeps the upgrade.</summary>
    public static string Name(StartTlsProtocol protocol) => protocol switch
    {
        StartTlsProtocol.Postgres => "postgres",
        _ => protocol.ToString().ToLowerInvariant(),
    };
}
