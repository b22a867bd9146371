using System.Management.Automation;
using CertHeal.Internal;
using CertHeal.Trust;

namespace CertHeal.Commands;

/// <summary>
/// Get-KeystoreHook: whether each upgrade hook is Installed (as Register-KeystoreHook with these
/// settings writes it), Absent, or Stale (another ledger or certheal, an older version, edited).
/// </summary>
[Cmdlet(VerbsCommon.Get, "KeystoreHook")]
[OutputType(typeof(KeystoreHook))]
public sealed class GetKeystoreHookCommand : PSCmdlet
{
    [Parameter(Position = 0)]
    public KeystoreHookKind[]? Kind { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LedgerPath { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CliPath { get; set; }

    [Parameter]
    [ValidateRange(1, 3600)]
    public int TimeoutSec { get; set; } = 300;

    protected override void EndProcessing()
    {
        var options = HookBinding.Options(this, LedgerPath, CliPath, TimeoutSec, whatIf: false, cliRequired: false)!;
        WriteObject(KeystoreHooks.Status(options, Kind), enumerateCollection: true);
    }
}
