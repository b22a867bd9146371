namespace CertHeal.Revocation;

/// <summary>What revocation checking concluded for one certificate, with the sentence that says so.</summary>
internal sealed record CertificateRevocation(RevocationStatus Status, RevocationSource? Source, string Detail)
{
    public static CertificateRevocation NotChecked(string detail) => new(RevocationStatus.NotChecked, null, detail);

    public static CertificateRevocation Unknown(string detail) => new(RevocationStatus.Unknown, null, detail);

    /// <summary>Until when the answer may be reused (the response's or CRL's nextUpdate); null = not cached.</summary>
    public DateTime? ValidUntil { get; init; }
}
