using System.Management.Automation;
using System.Security;
using CertHeal.Internal;
using CertHeal.Keystores;
using CertHeal.Trust;

namespace CertHeal.Commands;

/// <summary>
/// Sync-Keystore: re-apply the trust ledger to keystores an upgrade replaced, through the one merge
/// path, offline; with -PruneLedger, sync the ledger itself by forgetting stores that are gone.
/// </summary>
[Cmdlet(VerbsData.Sync, "Keystore", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = PathSet)]
[OutputType(typeof(KeystoreChange), ParameterSetName = [PathSet, LiteralPathSet])]
[OutputType(typeof(LedgerPruneResult), ParameterSetName = [PruneSet])]
public sealed class SyncKeystoreCommand : PSCmdlet, IDisposable
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";
    private const string PruneSet = "PruneLedger";
    private readonly CancellationTokenSource _cancel = new();
    private LedgerDocument? _ledger;
    private string _ledgerPath = "";

    /// <summary>Binds KeystoreLocation.Path (Find-Keystore) by property name.</summary>
    [Parameter(Position = 0, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(KeystorePathCompleter))]
    public string[]? Path { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath")]
    [ValidateNotNullOrEmpty]
    public string[]? LiteralPath { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LedgerPath { get; set; }

    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    public KeystoreFormat? Format { get; set; }

    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    public SecureString? Password { get; set; }

    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    [Credential]
    public PSCredential? Credential { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = PruneSet)]
    public SwitchParameter PruneLedger { get; set; }

    [Parameter(ParameterSetName = PruneSet)]
    [ValidateRange(0, 36500)]
    public int? AbsentDays { get; set; }

    protected override void BeginProcessing()
    {
        _ledgerPath = LedgerPath is null ? TrustLedger.DefaultPath() : SessionState.Path.GetUnresolvedProviderPathFromPSPath(LedgerPath);
        if (PruneLedger)
        {
            return;
        }
        try
        {
            _ledger = TrustLedger.Read(_ledgerPath);
            WriteVerbose($"{_ledger.Entries.Count} entries in the trust ledger '{_ledgerPath}'.");
        }
        catch (KeystoreException e)
        {
            ThrowTerminatingError(KeystoreErrors.Record(e));
        }
    }

    protected override void ProcessRecord()
    {
        if (PruneLedger)
        {
            return;
        }
        var paths = LiteralPath is not null ? LiteralPath.Select(p => PathBinding.Keystore(this, null, p))
            : (Path ?? new string?[] { null }).Select(p => PathBinding.Keystore(this, p, null));
        foreach (var path in paths)
        {
            SyncOne(path);
        }
    }

    private void SyncOne(string path)
    {
        using var password = PasswordBinding.From(Password, Credential);
        try
        {
            var plan = LedgerSync.SyncStore(path, Format, password, _ledger!, new SyncOptions { WhatIf = true });
            var changes = plan.Added + plan.Replaced;
            var check = false;
            if (changes == 0 || !this.ShouldChange(path, $"Re-apply {changes} certificate(s) from the trust ledger", out check))
            {
                plan.WhatIf = changes > 0 && check;
                this.WriteChange(plan);
                return;
            }
            this.WriteChange(LedgerSync.SyncStore(path, Format, password, _ledger!, new SyncOptions { Recorder = new LedgerRecorder(_ledgerPath) }));
        }
        catch (KeystoreException e)
        {
            WriteError(KeystoreErrors.Record(e));
        }
    }

    protected override void EndProcessing()
    {
        if (!PruneLedger)
        {
            return;
        }
        try
        {
            // Planned first, so -WhatIf and -Confirm name exactly what would be forgotten. A prune that
            // only starts or stops timing an absence (-AbsentDays) still writes the ledger, so it asks too.
            var plan = LedgerPrune.Prune(_ledgerPath, whatIf: true, AbsentDays, cancellation: _cancel.Token);
            var changes = plan.Changed;
            var check = false;
            if (!changes || !this.ShouldChange(_ledgerPath, plan.StoresRemoved.Length > 0
                ? $"Forget {plan.StoresRemoved.Length} missing store(s) and the {plan.EntriesRemoved} entries only they held"
                : $"Record when {plan.AbsenceUpdates} store(s) went missing or came back", out check))
            {
                plan.WhatIf = changes && check;
                WriteObject(plan);
                return;
            }
            WriteObject(LedgerPrune.Prune(_ledgerPath, whatIf: false, AbsentDays, cancellation: _cancel.Token));
        }
        catch (OperationCanceledException) when (_cancel.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (KeystoreException e)
        {
            // The engine words a ledger it cannot read or write (TrustLedger.Write), as for any store.
            ThrowTerminatingError(KeystoreErrors.Record(e));
        }
    }

    protected override void StopProcessing() => _cancel.Cancel();

    public void Dispose() => _cancel.Dispose();
}
