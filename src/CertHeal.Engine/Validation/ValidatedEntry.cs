using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Validation;

/// <summary>One keystore entry as the validator sees it: a certificate, or why it could not be read.</summary>
public sealed record ValidatedEntry(string Alias, X509Certificate2? Certificate, string? UnreadableReason = null, bool IsPrivateKeyEntry = false);
