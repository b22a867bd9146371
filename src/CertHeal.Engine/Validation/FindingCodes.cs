namespace CertHeal.Validation;

/// <summary>The stable Codes of KeystoreFinding: part of the public contract (scripts match on them).</summary>
public static class FindingCodes
{
    public const string Expired = nameof(Expired);
    public const string ExpiringSoon = nameof(ExpiringSoon);
    public const string NotYetValid = nameof(NotYetValid);
    public const string WeakSignature = nameof(WeakSignature);
    public const string WeakKey = nameof(WeakKey);
    public const string NotACertificateAuthority = nameof(NotACertificateAuthority);
    public const string Duplicate = nameof(Duplicate);
    public const string Superseded = nameof(Superseded);
    public const string Unreadable = nameof(Unreadable);
    public const string Integrity = nameof(Integrity);
    public const string EndpointFailed = nameof(EndpointFailed);
    public const string RenewalAvailable = nameof(RenewalAvailable);
    public const string LedgerDrift = nameof(LedgerDrift);
    public const string Empty = nameof(Empty);
    public const string NonCanonicalTime = nameof(NonCanonicalTime);

    /// <summary>An entry carries a key on Chromium's SPKI blocklist (Error).</summary>
    public const string BlockedKey = nameof(BlockedKey);

    /// <summary>An entry is a root a program distrusts for leaves issued after a date (Warning).</summary>
    public const string Distrusted = nameof(Distrusted);

    /// <summary>An entry's issuer (OCSP responder or CRL) says it is revoked: an Error whenever revocation checking is on.</summary>
    public const string Revoked = nameof(Revoked);

    /// <summary>An entry names an OCSP responder or CRL that gave no valid answer: an Error under hard-fail, a Warning under soft-fail.</summary>
    public const string RevocationUnknown = nameof(RevocationUnknown);

    /// <summary>A trust-ledger record cannot be read (Warning: Sync cannot re-apply it); Confirm-Keystore -Ledger.</summary>
    public const string LedgerDamaged = nameof(LedgerDamaged);

    /// <summary>A store the ledger recorded no longer exists (Info: `certheal ledger prune` forgets it).</summary>
    public const string LedgerStoreMissing = nameof(LedgerStoreMissing);

    /// <summary>An NSS entry trusted for email or code signing only, which TLS clients do not accept as an anchor (Info).</summary>
    public const string NotTrustedForTls = nameof(NotTrustedForTls);
}
