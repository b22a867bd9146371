namespace CertHeal.Revocation;

/// <summary>RFC 5280 5.3.1 CRLReason names, shared by OCSP (RFC 6960 4.2.1 reuses them) and CRLs.</summary>
internal static class RevocationReasons
{
    public static string Name(int code) => code switch
    {
        0 => "unspecified",
        1 => "keyCompromise",
        2 => "cACompromise",
        3 => "affiliationChanged",
        4 => "superseded",
        5 => "cessationOfOperation",
        6 => "certificateHold",
        8 => "removeFromCRL",
        9 => "privilegeWithdrawn",
        10 => "aACompromise",
        _ => $"reason {code}",
    };

    public static string Revoked(string subject, DateTime atUtc, int? reason, string source) =>
        $"'{subject}' was revoked on {atUtc:yyyy-MM-dd HH:mm:ss} UTC" + (reason is { } r ? $" ({Name(r)})" : "") + $" according to {source}";
}
