using System.Management.Automation;
using CertHeal.Internal;
using CertHeal.Keystores;
using CertHeal.Trust;

namespace CertHeal.Commands;

/// <summary>Unregister-KeystoreHook: removes CertHeal's upgrade hooks, and only files CertHeal wrote.</summary>
[Cmdlet(VerbsLifecycle.Unregister, "KeystoreHook", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(KeystoreHook))]
public sealed class UnregisterKeystoreHookCommand : PSCmdlet
{
    /// <summary>Which hooks; both when omitted. Binds KeystoreHook.Kind from Get-KeystoreHook.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public KeystoreHookKind[]? Kind { get; set; }

    protected override void ProcessRecord()
    {
        var plan = HookBinding.Options(this, null, null, 300, whatIf: true, cliRequired: false)!;
        foreach (var kind in Kind is { Length: > 0 } ? Kind.Distinct() : Enum.GetValues<KeystoreHookKind>())
        {
            try
            {
                var planned = KeystoreHooks.Remove(plan, [kind])[0];
                var check = false;
                if (!planned.Changed || !this.ShouldChange(planned.Path, $"Remove the {kind} hook", out check))
                {
                    planned.WhatIf = planned.Changed && check;
                    planned.Changed = planned.WhatIf;
                    WriteObject(planned);
                    continue;
                }
                WriteObject(KeystoreHooks.Remove(new HookOptions { Ledger = plan.Ledger, Command = plan.Command }, [kind])[0]);
            }
            catch (KeystoreException e)
            {
                WriteError(HookBinding.Record(e));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                WriteError(HookBinding.Record(e, KeystoreHooks.PathOf(kind, plan.Root)));
            }
        }
    }
}
