using System.Management.Automation;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Internal;
using CertHeal.Keystores;

namespace CertHeal.Commands;

/// <summary>Merge-Keystore: merge certificates into a keystore under an explicit trust policy, atomically, losing nothing.</summary>
[Cmdlet(VerbsData.Merge, "Keystore", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = PathSet)]
[OutputType(typeof(KeystoreChange))]
public sealed class MergeKeystoreCommand : PSCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";
    private readonly List<X509Certificate2> _incoming = [];
    private readonly List<Handshake.TlsTarget> _endpoints = [];

    [Parameter(Position = 0, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath")]
    [ValidateNotNullOrEmpty]
    public string? LiteralPath { get; set; }

    [Parameter(Mandatory = true, ValueFromPipeline = true)]
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
    public string[] TrustedFingerprint { get; set; } = [];

    [Parameter]
    public SwitchParameter RemoveSuperseded { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Bound from ChainCertificate.Target: the endpoints the merged keystore must handshake with.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Target { get; set; }

    [Parameter]
    public SwitchParameter SkipValidation { get; set; }

    [Parameter]
    public ScriptBlock? ApprovalScript { get; set; }

    /// <summary>How a PKCS#12 file this merge creates is encrypted; an existing file keeps its own protection.</summary>
    [Parameter]
    public Pkcs12Encryption? Pkcs12Encryption { get; set; }

    protected override void ProcessRecord()
    {
        _incoming.AddRange(Certificate);
        if (!SkipValidation && Target is not null && Handshake.TlsTarget.TryParse(Target, null, null, out var target, out _)
            && !_endpoints.Any(e => e.Display == target.Display))
        {
            _endpoints.Add(target);
        }
    }

    protected override void EndProcessing()
    {
        var path = PathBinding.Keystore(this, Path, LiteralPath);
        using var password = PasswordBinding.From(Password, Credential);
        var options = new MergeOptions { Policy = TrustPolicy, TrustedFingerprints = TrustedFingerprint, RemoveSuperseded = RemoveSuperseded, Pkcs12Encryption = Pkcs12Encryption };
        try
        {
            // Plan without writing, ask about new trust anchors here on the pipeline thread, then write.
            var plan = KeystoreMerger.Merge(path, Format, password, _incoming, options, new SaveOptions { WhatIf = true });
            var approved = ConfirmNewAnchors(plan, path);
            var changes = plan.Added + plan.Replaced;
            if (changes == 0 || !ShouldProcess(path, $"Merge {changes} certificate(s) ({TrustPolicy})"))
            {
                plan.WhatIf = changes > 0;
                WriteResult(plan);
                return;
            }
            WriteResult(KeystoreMerger.Merge(path, Format, password, _incoming,
                new MergeOptions { Policy = TrustPolicy, TrustedFingerprints = TrustedFingerprint, RemoveSuperseded = RemoveSuperseded, ApproveAnchor = approved.Contains, Pkcs12Encryption = Pkcs12Encryption },
                new SaveOptions(), _endpoints));
        }
        catch (KeystoreException e)
        {
            ThrowTerminatingError(KeystoreErrors.Record(e));
        }
    }

    private HashSet<string> ConfirmNewAnchors(KeystoreChange plan, string path)
    {
        var approved = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var confirmOff = MyInvocation.BoundParameters.TryGetValue("Confirm", out var confirm) && confirm is SwitchParameter { IsPresent: false };
        var anchors = plan.Entries.Where(e => e.NewTrustAnchor).ToList();
        if (anchors.Count > 0 && ApprovalScript is not null && !LanguagePrimitives.IsTrue(ApprovalScript.InvokeReturnAsIs(anchors.ToArray())))
        {
            foreach (var anchor in anchors)
            {
                WriteError(new ErrorRecord(new InvalidOperationException($"The -ApprovalScript did not approve '{anchor.Subject}' (SHA-256 {anchor.Sha256Fingerprint}) as a new trust anchor."),
                    ErrorIds.TrustRefused, ErrorCategory.SecurityError, anchor.Sha256Fingerprint));
            }
            return approved;
        }
        foreach (var anchor in anchors)
        {
            var query = $"Trust '{anchor.Subject}' (SHA-256 {anchor.Sha256Fingerprint}) as a new root in {path}? Every certificate it signs will be trusted.";
            bool yes;
            try
            {
                yes = Force || confirmOff || ShouldContinue(query, "Add a new trust anchor");
            }
            catch (PSInvalidOperationException)
            {
                yes = false; // a non-interactive host cannot ask: refuse, as without -Force
            }
            if (yes)
            {
                approved.Add(anchor.Sha256Fingerprint);
                WriteVerbose($"Trusting {anchor.Subject} (SHA-256 {anchor.Sha256Fingerprint}) as a new anchor.");
            }
            else
            {
                WriteError(new ErrorRecord(new InvalidOperationException(
                    $"'{anchor.Subject}' (SHA-256 {anchor.Sha256Fingerprint}) would become a new trust anchor and was not confirmed; confirm it, or pass -Force or -Confirm:$false after checking the fingerprint."),
                    ErrorIds.TrustRefused, ErrorCategory.SecurityError, anchor.Sha256Fingerprint));
            }
        }
        return approved;
    }

    private void WriteResult(KeystoreChange change)
    {
        foreach (var entry in change.Entries)
        {
            WriteVerbose($"{entry.Action} {entry.Subject} ({entry.Thumbprint}): {entry.Reason}.");
        }
        WriteObject(change);
    }
}
