using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Trust;

/// <summary>
/// The one definition of the key sizes and signature digests each client family refuses in a
/// certificate path. The probe's per-family verdicts (ClientVerdictRules) and the merge's
/// no-weakening rule (AnchorFitness) both read it, so a store never gains an entry that a
/// verdict would call weak.
/// </summary>
internal static class KeyAndDigestRules
{
    /// <summary>
    /// OpenSSL's default security level as distributions ship it: 2 is upstream's default from 3.2
    /// and what Debian and Ubuntu build 3.0 with (-DOPENSSL_TLS_SECURITY_LEVEL=2; seen here: curl on
    /// OpenSSL 3.0.19 refuses a 1024-bit RSA leaf, "EE certificate key too weak"), and RHEL's
    /// DEFAULT crypto policy sets it too. Upstream 3.0/3.1 built without that flag use level 1.
    /// </summary>
    public const int OpenSslSecurityLevel = 2;

    /// <summary>The smallest key of this algorithm the family accepts anywhere in a path; 0 when it checks none.</summary>
    public static int MinimumKeyBits(ClientFamily family, string algorithm)
    {
        var rsaLike = algorithm is "RSA" or "DSA";
        return family switch
        {
            ClientFamily.OpenSsl => rsaLike ? (OpenSslSecurityLevel >= 2 ? 2048 : 1024) : (OpenSslSecurityLevel >= 2 ? 224 : 160),
            ClientFamily.Java => rsaLike ? 1024 : 224,
            ClientFamily.Browser => rsaLike ? 2048 : 224,
            _ => 0,
        };
    }

    /// <summary>The largest of the families' minimums: what a certificate every client will use as an anchor must meet.</summary>
    public static int StrictestMinimumKeyBits(string algorithm) => TrustAnchors.AllFamilies.Max(f => MinimumKeyBits(f, algorithm));

    /// <summary>"SHA-1" or "MD5" when the certificate's own signature uses that digest; null otherwise.</summary>
    public static string? WeakDigest(X509Certificate2 certificate) => certificate.SignatureAlgorithm.Value switch
    {
        "1.2.840.113549.1.1.5" or "1.2.840.10045.4.1" or "1.2.840.10040.4.3" or "1.3.14.3.2.29" => "SHA-1",
        "1.2.840.113549.1.1.4" or "1.2.840.113549.1.1.2" => "MD5",
        _ => null,
    };

    /// <summary>
    /// Why the strictest family refuses this certificate's key or the digest of its signature by
    /// its issuer (a self-signed root's own signature is never checked, so only its key counts);
    /// null when every family accepts both.
    /// </summary>
    public static string? StrictestRejection(X509Certificate2 certificate)
    {
        var (algorithm, bits) = CertificateFacts.Key(certificate);
        var minimum = StrictestMinimumKeyBits(algorithm);
        if (bits > 0 && bits < minimum)
        {
            return $"the {algorithm} key of '{Subject(certificate)}' has {bits} bits, below the {minimum} bits OpenSSL/curl at security level {OpenSslSecurityLevel} and browsers require (\"certificate key too weak\")";
        }
        if (!CertificateFacts.IsSelfSigned(certificate) && WeakDigest(certificate) is { } digest)
        {
            return $"'{Subject(certificate)}' is signed with {digest} by its issuer, which OpenSSL/curl (\"CA signature digest algorithm too weak\") and browsers refuse";
        }
        return null;
    }

    private static string Subject(X509Certificate2 certificate) => certificate.Subject.Length > 0 ? certificate.Subject : "(empty subject)";
}
