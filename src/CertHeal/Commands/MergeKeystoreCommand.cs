using System.Management.Automation;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Internal;
using CertHeal.Keystores;

namespace CertHeal.Commands;

/// <summary>Merge-Keystore: merge certificates into a keystore under an explicit trust policy, atomically, losing nothing.</summary>
[Cmdlet(VerbsData.Merge, "Keystore", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = PathSet)]
[OutputType(typeof(KeystoreChange))]
public sealed class MergeKeystoreCommand : PSCmdlet, IDisposable
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";
    private readonly List<X509Certificate2> _incoming = [];
    private readonly List<Handshake.TlsTarget> _endpoints = [];

    /// <summary>Also binds KeystoreLocation.Path from Find-Keystore by property name: the certificates go into every piped store.</summary>
    [Parameter(Position = 0, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(KeystorePathCompleter))]
    public string? Path { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath")]
    [ValidateNotNullOrEmpty]
    public string? LiteralPath { get; set; }

    /// <summary>Required unless -RemoveDistrusted cleans the store on its own (checked in EndProcessing).</summary>
    [Parameter(ValueFromPipeline = true)]
    [CertificateTransformation]
    public X509Certificate2[] Certificate { get; set; } = [];

    [Parameter]
    public KeystoreFormat? Format { get; set; }

    [Parameter]
    public SecureString? Password { get; set; }

    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    [Parameter]
    public TrustPolicy TrustPolicy { get; set; } = TrustPolicy.ChainToTrusted;

    [Parameter]
    [ValidatePattern("^[0-9A-Fa-f:]{64,95}$")]
    [ArgumentCompleter(typeof(FingerprintCompleter))]
    public string[] TrustedFingerprint { get; set; } = [];

    [Parameter]
    public SwitchParameter RemoveSuperseded { get; set; }

    /// <summary>Remove trusted entries with a blocked key or a distrust-after root, through the same locked, backed-up, validated write.</summary>
    [Parameter]
    public SwitchParameter RemoveDistrusted { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Bound from ChainCertificate.Target: the endpoints the merged keystore must handshake with.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Target { get; set; }

    /// <summary>Bound from ChainCertificate.ServerName: the SNI name the chain was collected with, so validation asks the endpoint for the same certificate.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? ServerName { get; set; }

    [Parameter]
    public SwitchParameter SkipValidation { get; set; }

    [Parameter]
    public ScriptBlock? ApprovalScript { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LedgerPath { get; set; }

    private readonly Dictionary<string, string> _sources = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How a PKCS#12 file this merge creates is encrypted; an existing file keeps its own protection.</summary>
    [Parameter]
    public Pkcs12Encryption? Pkcs12Encryption { get; set; }

    /// <summary>OCSP/CRL checking: Off, SoftFail (default) or HardFail.</summary>
    [Parameter]
    public RevocationCheckMode RevocationCheck { get; set; } = RevocationCheckMode.SoftFail;

    protected override void ProcessRecord()
    {
        if (Path is not null && Path != _commandLinePath)
        {
            // A KeystoreLocation piped in with -Certificate on the command line: collect the store, not the (same) certificates again.
            _pipedPaths.Add(PathBinding.Keystore(this, Path, null));
            if (_incoming.Count > 0)
            {
                return;
            }
        }
        _incoming.AddRange(Certificate);
        foreach (var certificate in Target is null ? [] : Certificate)
        {
            _sources.TryAdd(certificate.Thumbprint, Target!);
        }
        if (!SkipValidation && Target is not null && Handshake.TlsTarget.TryParse(Target, null, ServerName, out var target, out _))
        {
            AddEndpoint(target);
        }
        // A bundle file from Get-ServerCertificateChain -OutFile or `certheal chain --out` names its endpoints.
        foreach (var named in SkipValidation ? [] : Certificate.SelectMany(Chains.BundleEndpoints.Of))
        {
            AddEndpoint(named);
        }
    }

    private void AddEndpoint(Handshake.TlsTarget target)
    {
        if (!_endpoints.Any(e => e.Display == target.Display && e.ServerName == target.ServerName))
        {
            _endpoints.Add(target);
        }
    }

    private readonly List<string> _pipedPaths = [];
    private string? _commandLinePath;

    private readonly CancellationTokenSource _cancel = new();

    protected override void BeginProcessing() => _commandLinePath = Path;

    protected override void StopProcessing() => _cancel.Cancel();

    public void Dispose() => _cancel.Dispose();

    protected override void EndProcessing()
    {
        if (!RemoveDistrusted && !MyInvocation.ExpectingInput && !MyInvocation.BoundParameters.ContainsKey(nameof(Certificate)))
        {
            ThrowTerminatingError(new ErrorRecord(new PSArgumentException("Merge-Keystore needs -Certificate (or certificates from the pipeline), or -RemoveDistrusted to clean the store."),
                ErrorIds.NoCertificate, ErrorCategory.InvalidArgument, null));
        }
        var paths = _pipedPaths.Count > 0 ? _pipedPaths.Distinct().ToList() : [PathBinding.Keystore(this, Path, LiteralPath)];
        foreach (var path in paths)
        {
            MergeInto(path, others: paths.Count > 1);
        }
    }

    /// <param name="others">Other stores follow (piped from Find-Keystore): a store that fails is that store's error, and the rest still merge.</param>
    private void MergeInto(string path, bool others)
    {
        using var password = PasswordBinding.From(Password, Credential);
        var consent = new AnchorConsent(this, Force, hasApprovalScript: true);
        try
        {
            var recorder = new Trust.LedgerRecorder(LedgerPath is null ? Trust.TrustLedger.DefaultPath() : SessionState.Path.GetUnresolvedProviderPathFromPSPath(LedgerPath), _sources);
            var options = new MergeOptions
            {
                Policy = TrustPolicy, TrustedFingerprints = TrustedFingerprint, RemoveSuperseded = RemoveSuperseded, RemoveDistrusted = RemoveDistrusted,
                Pkcs12Encryption = Pkcs12Encryption, Recorder = recorder, Revocation = RevocationCheck, Vocabulary = PowerShellVocabulary.Instance,
            };
            // Plan without the lock and without writing; -WhatIf (ShouldProcess false) reports the plan
            // and never asks. Only then ask about the anchors the engine says need approval, here on the
            // pipeline thread, and commit: the commit reuses the plan unless the store changed meanwhile.
            var plan = KeystoreMerger.Plan(path, Format, password, _incoming, options, _cancel.Token);
            var planned = plan.Change;
            var anchors = plan.NeedsApproval;
            var changes = planned.Added + planned.Replaced + planned.Removed;
            var action = $"Merge {planned.Added + planned.Replaced} certificate(s) ({TrustPolicy})" + (planned.Removed > 0 ? $", remove {planned.Removed} distrusted entr{(planned.Removed == 1 ? "y" : "ies")}" : "") + (anchors.Count == 0 || consent.ApprovesAll ? "" :
                $"; {anchors.Count} new trust anchor(s) need approval: SHA-256 {string.Join(", ", anchors.Select(a => a.Sha256Fingerprint))}");
            var check = false;
            if (changes == 0 || !this.ShouldChange(path, action, out check))
            {
                // -WhatIf shows the plan as what would change; a "No" at the prompt or nothing to do changes nothing.
                planned.WhatIf = changes > 0 && check;
                this.WriteChange(planned);
                return;
            }
            var approved = consent.Ask(anchors, path, ApprovalScript);
            this.WriteChange(KeystoreMerger.Commit(plan, consent.ApprovesAll ? null : approved, new SaveOptions { Cancellation = _cancel.Token }, _endpoints, consent.Source(ApprovalScript)));
        }
        catch (OperationCanceledException) when (_cancel.IsCancellationRequested)
        {
            // Ctrl+C before the rename: the store is as it was, the lock is released.
            throw new PipelineStoppedException();
        }
        catch (KeystoreException e) when (others)
        {
            WriteError(KeystoreErrors.Record(e));
        }
        catch (KeystoreException e)
        {
            ThrowTerminatingError(KeystoreErrors.Record(e));
        }
    }
}
