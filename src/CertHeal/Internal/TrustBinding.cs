using System.Management.Automation;
using CertHeal.Keystores;
using CertHeal.Trust;

namespace CertHeal.Internal;

/// <summary>Turns -Keystore into trust anchors; an unreadable keystore stops the command (nothing can be judged).</summary>
internal static class TrustBinding
{
    public static TrustAnchors? Load(PSCmdlet cmdlet, string? keystore, System.Security.SecureString? password = null, PSCredential? credential = null)
    {
        if (keystore is null)
        {
            return null;
        }
        // An NSS sql:DIR (no PowerShell drive) resolves only its folder through the provider.
        var path = KeystoreFormats.IsNssPath(keystore) ? PathBinding.Keystore(cmdlet, null, keystore) : cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(keystore);
        using var keystorePassword = PasswordBinding.From(password, credential);
        try
        {
            return TrustStoreLoader.Load(path, keystorePassword);
        }
        catch (KeystoreException e)
        {
            cmdlet.ThrowTerminatingError(KeystoreErrors.Record(e, PowerShellVocabulary.TrustStore));
            return null;
        }
    }
}
