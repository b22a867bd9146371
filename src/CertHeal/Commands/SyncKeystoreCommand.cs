using System.Management.Automation;
using System.Security;
using CertHeal.Internal;
using CertHeal.Keystores;
using CertHeal.Trust;

namespace CertHeal.Commands;

/// <summary>Sync-Keystore: re-apply the trust ledger to keystores an upgrade replaced, through the one merge path, offline.</summary>
[Cmdlet(VerbsData.Sync, "Keystore", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = PathSet)]
[OutputType(typeof(KeystoreChange))]
public sealed class SyncKeystoreCommand : PSCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";
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

    [Parameter]
    public KeystoreFormat? Format { get; set; }

    [Parameter]
    public SecureString? Password { get; set; }

    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    protected override void BeginProcessing()
    {
        _ledgerPath = LedgerPath is null ? TrustLedger.DefaultPath() : SessionState.Path.GetUnresolvedProviderPathFromPSPath(LedgerPath);
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
            if (changes == 0 || !ShouldProcess(path, $"Re-apply {changes} certificate(s) from the trust ledger"))
            {
                plan.WhatIf = changes > 0;
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
}
