using CertHeal.Keystores;

namespace CertHeal.Validation;

/// <summary>
/// NSS keeps trust per purpose, so a root can sit in a database trusted for email or code signing
/// and still be refused for every TLS server: Confirm-Keystore says so, because a user who sees
/// the root listed would otherwise expect the handshake to succeed.
/// </summary>
internal static class NssTrustFindings
{
    public static IEnumerable<KeystoreFinding> For(Keystore keystore) =>
        keystore.Format != KeystoreFormat.Nss ? []
        : keystore.Entries
            .Where(e => e.Certificate is not null && e.Origin is NssEntryOrigin origin && NssTrust.TrustedOnlyBeyondTls(origin.Trust))
            .Select(e => new KeystoreFinding
            {
                Severity = FindingSeverity.Info,
                Code = FindingCodes.NotTrustedForTls,
                Alias = e.Alias,
                Subject = e.Certificate!.Subject,
                Thumbprint = e.Certificate.Thumbprint,
                Message = $"'{e.Alias}' is trusted in '{keystore.Path}' only for email or code signing (NSS trust '{((NssEntryOrigin)e.Origin!).Trust}'), so TLS clients reading this database do not accept it as an anchor; if it should be, set its trust with: certutil -M -n \"{e.Alias}\" -t C,, -d {NssDatabase.Prefix}{NssDatabase.FolderOf(keystore.Path)}",
            });
}
