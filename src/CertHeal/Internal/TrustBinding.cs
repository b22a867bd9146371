using System.Management.Automation;
using CertHeal.Keystores;
using CertHeal.Trust;

namespace CertHeal.Internal;

/// <summary>Turns -Keystore into trust anchors; an unreadable keystore stops the command (nothing can be judged).</summary>
internal static class TrustBinding
{
    public static TrustAnchors? Load(PSCmdlet cmdlet, string? keystore)
    {
        if (keystore is null)
        {
            return null;
        }
        var path = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(keystore);
        try
        {
            return TrustStoreLoader.Load(path);
        }
        catch (KeystoreException e)
        {
            cmdlet.ThrowTerminatingError(KeystoreErrors.Record(e));
            return null;
        }
    }
}
