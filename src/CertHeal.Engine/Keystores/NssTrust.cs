using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Keystores;

/// <summary>
/// NSS trust flags (`SSL,S/MIME,JAR/XPI`, as certutil -t takes and -L shows them). CertHeal
/// writes only TLS trust: a root it adds gets `C,,` (trusted to issue server certificates), an
/// intermediate `,,` (kept for path building, trusted for nothing), and a server certificate
/// pinned under TrustOnFirstUse `P,,` (trusted peer); never email or code-signing trust.
/// Reading, an entry is a TLS anchor when its SSL column has C or P. T (trusted to issue client
/// certificates) is not: a server certificate chaining only to it is refused by NSS, so it is
/// read as a plain certificate like one trusted only for email or code signing.
/// </summary>
internal static class NssTrust
{
    public const string Anchor = "C,,";
    public const string Intermediate = ",,";
    public const string Peer = "P,,";

    public static string ForNew(X509Certificate2 certificate) =>
        CertificateFacts.IsSelfSigned(certificate) ? Anchor
        : CertificateFacts.IsCertificateAuthority(certificate) ? Intermediate
        : Peer;

    /// <remarks>
    /// NSS's `P` (trusted peer) trusts that certificate as the server's own, never as an issuer, so
    /// a CA certificate flagged only `P` anchors nothing: reading it as an anchor would accept chains
    /// below it that tstclnt and Firefox refuse.
    /// </remarks>
    public static bool IsTlsAnchor(string trust, X509Certificate2 certificate) =>
        Column(trust, 0).Contains('C', StringComparison.Ordinal)
        || (Column(trust, 0).Contains('P', StringComparison.Ordinal) && !CertificateFacts.IsCertificateAuthority(certificate));

    /// <summary>A user certificate: NSS holds its private key (u in any column).</summary>
    public static bool HasPrivateKey(string trust) => trust.Contains('u', StringComparison.Ordinal);

    /// <summary>Trusted as an issuer or peer for email or code signing, but not for TLS.</summary>
    public static bool TrustedOnlyBeyondTls(string trust) =>
        Column(trust, 0).IndexOfAny(['C', 'P']) < 0 && (Column(trust, 1) + Column(trust, 2)).IndexOfAny(['C', 'P', 'T']) >= 0;

    /// <summary>Why a root already in an NSS database does not anchor TLS although it is there; null when it does (or is no root).</summary>
    public static string? NotTlsTrusted(string database, KeystoreEntry existing, X509Certificate2 incoming) =>
        existing.Origin is NssEntryOrigin origin && existing.EntryType == KeystoreEntryType.Other && CertificateFacts.IsSelfSigned(incoming)
            ? $"already in the NSS database as '{origin.Nickname}' but not trusted for TLS servers (trust '{origin.Trust}'), and CertHeal does not change trust it did not set; if it should be, run: certutil -M -n \"{origin.Nickname}\" -t C,{Column(origin.Trust, 1)},{Column(origin.Trust, 2)} -d {NssDatabase.Prefix}{NssDatabase.FolderOf(database)}"
            : null;

    /// <summary>Looks like a trust column triple (`CT,C,C`, `,,`, `u,u,u`).</summary>
    public static bool IsTrust(string text) =>
        text.Count(c => c == ',') == 2 && text.All(c => c == ',' || char.IsAsciiLetter(c));

    private static string Column(string trust, int index) => trust.Split(',') is { Length: 3 } columns ? columns[index] : "";
}
