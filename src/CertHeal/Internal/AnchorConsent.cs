using System.Management.Automation;
using System.Management.Automation.Host;

namespace CertHeal.Internal;

/// <summary>
/// Who consents to a new trust anchor, for every cmdlet that can add one. A fingerprint named in
/// -TrustedFingerprint is the consent for that anchor (no prompt, no -Force); -Force and
/// -Confirm:$false approve every anchor the policy allows; -ApprovalScript decides for the rest in
/// runbooks; otherwise the person is asked on the pipeline thread. A host that cannot ask (pwsh
/// -NonInteractive throws PSInvalidOperationException, a runspace without UI throws HostException
/// "HostFunctionNotImplemented") gets a non-terminating CertHeal.TrustRefused per anchor, naming
/// its fingerprint and the parameter that approves it, never a host exception.
/// </summary>
internal sealed class AnchorConsent
{
    private readonly PSCmdlet _cmdlet;
    private readonly string _otherApprovals;

    /// <param name="hasApprovalScript">Whether the cmdlet has -ApprovalScript (named in refusals).</param>
    public AnchorConsent(PSCmdlet cmdlet, bool force, bool hasApprovalScript)
    {
        _cmdlet = cmdlet;
        _otherApprovals = hasApprovalScript ? "-Force, -Confirm:$false or -ApprovalScript" : "-Force or -Confirm:$false";
        var confirmOff = cmdlet.MyInvocation.BoundParameters.TryGetValue("Confirm", out var confirm) && confirm is SwitchParameter { IsPresent: false };
        ApprovesAll = force || confirmOff;
    }

    /// <summary>-Force or -Confirm:$false: every anchor the trust policy allows is approved.</summary>
    public bool ApprovesAll { get; }

    /// <summary>Who answers <see cref="Ask"/>'s question, for the audit trail (a blanket approval is the engine's Forced).</summary>
    public ConsentSource Source(ScriptBlock? approvalScript) => approvalScript is null ? ConsentSource.ApprovedByHost : ConsentSource.ApprovedByCommand;

    /// <summary>Asks about each unnamed anchor (on the pipeline thread) and returns the approved fingerprints.</summary>
    public HashSet<string> Ask(IReadOnlyList<KeystoreChangeEntry> anchors, string path, ScriptBlock? approvalScript)
    {
        var approved = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (anchors.Count > 0 && !ApprovesAll && approvalScript is not null)
        {
            if (!LanguagePrimitives.IsTrue(approvalScript.InvokeReturnAsIs(anchors.ToArray())))
            {
                foreach (var anchor in anchors)
                {
                    _cmdlet.WriteError(Refused(anchor.Subject, anchor.Sha256Fingerprint, path, "the -ApprovalScript did not approve it"));
                }
                return approved;
            }
        }
        var ask = !ApprovesAll && approvalScript is null;
        bool yesToAll = false, noToAll = false;
        string? cannotAsk = null;
        foreach (var anchor in anchors)
        {
            var yes = !ask;
            if (ask && cannotAsk is null)
            {
                try
                {
                    yes = _cmdlet.ShouldContinue(
                        $"Trust '{anchor.Subject}' (SHA-256 {anchor.Sha256Fingerprint}) as a new trust anchor in {path}? It and every certificate it signs will be trusted.",
                        "Add a new trust anchor", hasSecurityImpact: true, ref yesToAll, ref noToAll);
                }
                catch (Exception e) when (e is PSInvalidOperationException or HostException)
                {
                    cannotAsk = "this PowerShell host cannot ask for confirmation (a non-interactive session)";
                }
            }
            if (yes)
            {
                approved.Add(anchor.Sha256Fingerprint);
                _cmdlet.WriteVerbose($"Trusting {anchor.Subject} (SHA-256 {anchor.Sha256Fingerprint}) as a new anchor.");
            }
            else
            {
                _cmdlet.WriteError(Refused(anchor.Subject, anchor.Sha256Fingerprint, path, cannotAsk ?? "it was not confirmed"));
            }
        }
        return approved;
    }

    /// <summary>The one refusal every cmdlet writes: which anchor, why, and the parameter that would approve it.</summary>
    public ErrorRecord Refused(string subject, string sha256, string path, string why) => new(
        new InvalidOperationException(
            $"'{subject}' (SHA-256 {sha256}) would become a new trust anchor in {path}, and {why}. Check the fingerprint with the server's owner, " +
            $"then approve it with -TrustedFingerprint {sha256} (or {_otherApprovals})."),
        ErrorIds.TrustRefused, ErrorCategory.SecurityError, sha256);
}
