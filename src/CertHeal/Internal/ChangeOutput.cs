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

    /// <summary>
    /// ShouldProcess(target, action) with the same messages and prompt, that also says whether a
    /// refusal was -WhatIf: a check reports its plan as what would change (Changed), while a "No"
    /// at the -Confirm prompt changes nothing and must not read as a change.
    /// </summary>
    public static bool ShouldChange(this Cmdlet cmdlet, string target, string action, out bool check)
    {
        // Null warning and caption: PowerShell fills in its own (localized) prompt, as ShouldProcess(target, action) does.
        var go = cmdlet.ShouldProcess($"Performing the operation \"{action}\" on target \"{target}\".", null, null, out var reason);
        check = reason == ShouldProcessReason.WhatIf;
        return go;
    }
}
