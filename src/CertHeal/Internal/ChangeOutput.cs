using System.Management.Automation;

namespace CertHeal.Internal;

/// <summary>How Merge-Keystore and Sync-Keystore report a KeystoreChange: one verbose line per certificate (why it was added, kept or skipped), then the object.</summary>
internal static class ChangeOutput
{
    public static void WriteChange(this Cmdlet cmdlet, KeystoreChange change)
    {
        foreach (var entry in change.Entries)
        {
            cmdlet.WriteVerbose($"{entry.Action} {entry.Subject} ({entry.Thumbprint}): {entry.Reason}.");
        }
        foreach (var warning in change.Warnings)
        {
            cmdlet.WriteWarning(warning);
        }
        cmdlet.WriteObject(change);
    }
}
