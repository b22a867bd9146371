using System.Management.Automation;
using CertHeal.Internal;
using CertHeal.Keystores;
using CertHeal.Trust;

namespace CertHeal.Commands;

/// <summary>
/// Register-KeystoreHook: Sync-Keystore of the system ledger registered where Debian runs code after
/// trust stores change (update-ca-certificates' update.d, APT's DPkg::Post-Invoke), so healing
/// survives upgrades without anyone remembering. Idempotent: a hook already in place is not rewritten.
/// </summary>
[Cmdlet(VerbsLifecycle.Register, "KeystoreHook", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(KeystoreHook))]
public sealed class RegisterKeystoreHookCommand : PSCmdlet
{
    /// <summary>Which hooks; both when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public KeystoreHookKind[]? Kind { get; set; }

    /// <summary>The system ledger the hooks sync from (default /var/lib/certheal/ledger.json).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LedgerPath { get; set; }

    /// <summary>The certheal the hooks run (the dotnet tool shim, or a certheal.dll); default: certheal on PATH.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CliPath { get; set; }

    /// <summary>How long a hook lets certheal run before the upgrade goes on without it.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int TimeoutSec { get; set; } = 300;

    protected override void ProcessRecord()
    {
        if (HookBinding.Options(this, LedgerPath, CliPath, TimeoutSec, whatIf: true, cliRequired: true) is not { } plan)
        {
            return;
        }
        foreach (var kind in Kind is { Length: > 0 } ? Kind.Distinct() : Enum.GetValues<KeystoreHookKind>())
        {
            try
            {
                var planned = KeystoreHooks.Install(plan, [kind])[0];
                var check = false;
                if (!planned.Changed || !this.ShouldChange(planned.Path, $"Install the {kind} hook (sync of {planned.Ledger})", out check))
                {
                    planned.WhatIf = planned.Changed && check;
                    planned.Changed = planned.WhatIf;
                    WriteObject(planned);
                    continue;
                }
                WriteObject(KeystoreHooks.Install(new HookOptions { Ledger = plan.Ledger, Command = plan.Command, Timeout = plan.Timeout }, [kind])[0]);
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
