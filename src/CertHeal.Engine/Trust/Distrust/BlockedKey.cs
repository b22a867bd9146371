namespace CertHeal.Trust.Distrust;

/// <summary>
/// A public key whose private key is known to others (published, extracted from shipped software,
/// or used to misissue): no certificate carrying it is ever trusted or written, whatever the consent.
/// </summary>
/// <param name="SpkiSha256">SHA-256 of the SubjectPublicKeyInfo DER, upper-case hex.</param>
/// <param name="What">Why it is blocked, in the source's words (e.g. the README section naming it).</param>
/// <param name="Source">Where the entry comes from ("Chromium blocklist").</param>
internal sealed record BlockedKey(string SpkiSha256, string What, string Source)
{
    /// <summary>The clause every Reason uses after the certificate's name: "carries a blocked key (...): Superfish (...) (Chromium blocklist)...".</summary>
    public string Describe() => $"carries a blocked key (SPKI SHA-256 {SpkiSha256}): {What} ({Source}); CertHeal refuses it for every client";
}
