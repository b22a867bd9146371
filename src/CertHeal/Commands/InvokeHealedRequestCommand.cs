using System.Collections;
using System.Management.Automation;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Healing;
using CertHeal.Internal;
using CertHeal.Keystores;

namespace CertHeal.Commands;

/// <summary>Invoke-HealedRequest: one HTTPS request through the whole heal loop.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "HealedRequest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(HealedResponse))]
public sealed class InvokeHealedRequestCommand : ConnectingCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cancel = new();

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public Uri? Uri { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Method { get; set; } = "GET";

    [Parameter]
    public IDictionary? Headers { get; set; }

    [Parameter]
    public object? Body { get; set; }

    [Parameter]
    public string? ContentType { get; set; }

    [Parameter]
    [ValidateRange(1, 600)]
    public int TimeoutSec { get; set; } = 30;

    [Parameter]
    [Alias("ClientCertificate")]
    public X509Certificate2? Certificate { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(KeystorePathCompleter))]
    public string? Keystore { get; set; }

    [Parameter]
    public SecureString? Password { get; set; }

    [Parameter]
    public TrustPolicy TrustPolicy { get; set; } = TrustPolicy.ChainToTrusted;

    [Parameter]
    [ValidatePattern("^[0-9A-Fa-f:]{64,95}$")]
    [ArgumentCompleter(typeof(FingerprintCompleter))]
    public string[] TrustedFingerprint { get; set; } = [];

    [Parameter]
    [ValidateRange(0, 3650)]
    public int RenewBefore { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>OCSP/CRL checking: Off, SoftFail (default) or HardFail.</summary>
    [Parameter]
    public RevocationCheckMode RevocationCheck { get; set; } = RevocationCheckMode.SoftFail;

    protected override void ProcessRecord()
    {
        var keystore = PathBinding.Keystore(this, Keystore, null);
        using var password = PasswordBinding.From(Password, null);
        // The merge runs inside the request, on a worker thread, holding the keystore lock: no prompt
        // there. A fingerprint named in -TrustedFingerprint is the consent (the engine never asks about
        // it); -Force / -Confirm:$false approve the rest; anything else is refused and reported below.
        var consent = new AnchorConsent(this, Force, TrustedFingerprint, hasApprovalScript: false);
        var unconfirmed = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>(StringComparer.OrdinalIgnoreCase);
        var options = new HealingOptions
        {
            Revocation = RevocationCheck,
            KeystorePath = keystore,
            Password = password,
            Policy = TrustPolicy,
            TrustedFingerprints = TrustedFingerprint,
            ApproveAnchor = consent.ApprovesAll ? null : fingerprint =>
            {
                unconfirmed.TryAdd(fingerprint, true);
                return false;
            },
            Timeout = TimeSpan.FromSeconds(TimeoutSec),
            ClientCertificate = Certificate,
            Vocabulary = PowerShellVocabulary.Instance,
            RenewBeforeDays = RenewBefore,
            Connector = CreateConnector(),
            Recorder = new Trust.LedgerRecorder(Trust.TrustLedger.DefaultPath()),
        };
        var spec = new RequestSpec
        {
            Uri = Uri!,
            Method = Method,
            Headers = Headers?.Keys.Cast<object>().ToDictionary(k => k.ToString()!, k => Headers[k]?.ToString() ?? "") ?? [],
            Body = Body switch { null => null, byte[] bytes => bytes, PSObject { BaseObject: byte[] b } => b, var other => System.Text.Encoding.UTF8.GetBytes(other.ToString()!) },
            ContentType = ContentType,
        };
        try
        {
            var response = ShouldProcess(keystore, $"Send {Method} {Uri} and heal trust in this keystore if the handshake fails")
                ? HealedRequest.SendAsync(spec, options, _cancel.Token).GetAwaiter().GetResult()
                : HealedRequest.DiagnoseAsync(spec, options, _cancel.Token).GetAwaiter().GetResult();
            foreach (var step in response.Steps)
            {
                WriteVerbose($"{step.Name} ({step.Duration.TotalMilliseconds:0} ms): {step.Detail}");
            }
            WriteObject(response);
        }
        catch (HealingException e) when (e.Change?.Entries.Where(a => a.Refused && unconfirmed.ContainsKey(a.Sha256Fingerprint)).ToList() is { Count: > 0 } refused)
        {
            foreach (var anchor in refused)
            {
                WriteError(consent.Refused(anchor.Subject, anchor.Sha256Fingerprint, keystore, $"{Uri} needs it, but Invoke-HealedRequest does not prompt (the merge runs inside the request)"));
            }
        }
        catch (HealingException e)
        {
            WriteError(new ErrorRecord(e, ErrorIds.HealRefused, ErrorCategory.SecurityError, Uri));
        }
        catch (KeystoreException e)
        {
            WriteError(KeystoreErrors.Record(e));
        }
        catch (HttpRequestException e)
        {
            WriteError(new ErrorRecord(e, ErrorIds.RequestFailed, ErrorCategory.ConnectionError, Uri));
        }
        catch (OperationCanceledException) when (_cancel.IsCancellationRequested)
        {
        }
        catch (TaskCanceledException e)
        {
            WriteError(new ErrorRecord(new TimeoutException($"{Uri} did not answer within {TimeoutSec} s; raise -TimeoutSec or check the server.", e),
                ErrorIds.RequestFailed, ErrorCategory.OperationTimeout, Uri));
        }
    }

    protected override void StopProcessing() => _cancel.Cancel();

    public void Dispose() => _cancel.Dispose();
}
