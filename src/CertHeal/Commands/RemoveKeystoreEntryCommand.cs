using System.Management.Automation;
using System.Security;
using CertHeal.Internal;
using CertHeal.Keystores;
using CertHeal.Trust;

namespace CertHeal.Commands;

/// <summary>
/// Remove-KeystoreEntry: the undo of a heal. Removes a trusted certificate from keystores (those
/// named, else every store the ledger wrote it into) and marks it forgotten in the trust ledger,
/// so Sync-Keystore and later merges leave it out until a merge names its SHA-256 again.
/// ConfirmImpact Medium: removing trust never adds an anchor.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "KeystoreEntry", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(KeystoreChange))]
public sealed class RemoveKeystoreEntryCommand : PSCmdlet
{
    /// <summary>Binds Sha256Fingerprint by property name: ChainCertificate, a merge's KeystoreChangeEntry, a ledger entry.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Sha256Fingerprint")]
    [ValidatePattern("^[0-9A-Fa-f:]{64,95}$")]
    [ArgumentCompleter(typeof(FingerprintCompleter))]
    public string[] Fingerprint { get; set; } = [];

    /// <summary>Provider paths (wildcards resolved); without it, every store the ledger says the entry was written into.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(KeystorePathCompleter))]
    public string[]? Keystore { get; set; }

    [Parameter]
    [Alias("Ledger")]
    [ValidateNotNullOrEmpty]
    public string? LedgerPath { get; set; }

    [Parameter]
    public KeystoreFormat? Format { get; set; }

    [Parameter]
    public SecureString? Password { get; set; }

    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    private string _ledgerPath = "";
    private List<string>? _stores;

    protected override void BeginProcessing()
    {
        _ledgerPath = LedgerPath is null ? TrustLedger.DefaultPath() : SessionState.Path.GetUnresolvedProviderPathFromPSPath(LedgerPath);
        _stores = Keystore?.Select(p => PathBinding.Keystore(this, p, null)).ToList();
    }

    protected override void ProcessRecord()
    {
        foreach (var fingerprint in Fingerprint)
        {
            ForgetOne(fingerprint);
        }
    }

    private void ForgetOne(string fingerprint)
    {
        using var password = PasswordBinding.From(Password, Credential);
        ForgetResult result;
        try
        {
            result = LedgerForget.Forget(fingerprint, _stores, new ForgetOptions
            {
                LedgerPath = _ledgerPath,
                Format = Format,
                Password = password,
                // ShouldProcess right before each write: every store, then the ledger mark.
                Confirm = (string target, string action, out bool check) => this.ShouldChange(target, action, out check),
            });
        }
        catch (KeystoreException e)
        {
            // The ledger itself could not be read or written: nothing further can be forgotten reliably.
            ThrowTerminatingError(KeystoreErrors.Record(e));
            return;
        }
        foreach (var failure in result.Failures)
        {
            WriteError(KeystoreErrors.Record(failure));
        }
        foreach (var change in result.Changes)
        {
            foreach (var refused in change.Entries.Where(e => e.Refused))
            {
                WriteWarning($"'{change.Path}': {refused.Reason}.");
            }
            this.WriteChange(change);
        }
        if (result.NotFound)
        {
            var where = _stores is { Count: > 0 } ? " or in " + string.Join(", ", _stores.Select(s => $"'{s}'")) : "";
            WriteError(new ErrorRecord(
                new ItemNotFoundException($"No certificate with SHA-256 {result.Sha256Fingerprint} is in the trust ledger '{_ledgerPath}'{where}; check the fingerprint (Merge-Keystore and Confirm-Keystore show it), or name the store with -Keystore."),
                ErrorIds.FingerprintNotFound, ErrorCategory.ObjectNotFound, fingerprint));
            return;
        }
        if (result.Forgotten is { } on)
        {
            WriteVerbose($"SHA-256 {result.Sha256Fingerprint} is forgotten in the trust ledger '{_ledgerPath}' ({on:yyyy-MM-dd}); Sync-Keystore and merges leave it out.");
        }
    }
}
