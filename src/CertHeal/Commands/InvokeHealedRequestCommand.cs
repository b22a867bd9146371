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

    /// <summary>The password of -Keystore (was -Password, kept as an alias).</summary>
    [Parameter]
    [Alias("Password")]
    public SecureString? KeystorePassword { get; set; }

    [Parameter]
    [Credential]
    public PSCredential? KeystoreCredential { get; set; }

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

    /// <summary>The HTTP credential: sent as Basic with -Authentication Basic, otherwise offered when the server challenges.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    [Parameter]
    public HttpAuthentication Authentication { get; set; } = HttpAuthentication.None;

    /// <summary>The Bearer/OAuth token (-Authentication Bearer or OAuth).</summary>
    [Parameter]
    public SecureString? Token { get; set; }

    /// <summary>Send -Credential/-Token over http:// (refused otherwise, as Invoke-RestMethod refuses).</summary>
    [Parameter]
    public SwitchParameter AllowUnencryptedAuthentication { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? UserAgent { get; set; }

    /// <summary>Write the body to this file (through the provider; a folder gets the URI's last segment); emits nothing unless -PassThru.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutFile { get; set; }

    /// <summary>With -OutFile, also emit the response (or, with -AsObject, the parsed body).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Return a 4xx/5xx response like any other instead of a WebCmdletWebResponseException error.</summary>
    [Parameter]
    public SwitchParameter SkipHttpErrorCheck { get; set; }

    /// <summary>A variable (in the caller's scope) set to the response headers dictionary.</summary>
    [Parameter]
    [Alias("RHV")]
    [ValidateNotNullOrEmpty]
    public string? ResponseHeadersVariable { get; set; }

    /// <summary>A variable (in the caller's scope) set to the status code (an int).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? StatusCodeVariable { get; set; }

    /// <summary>Emit the body as Invoke-RestMethod does (JSON as PSCustomObject, arrays enumerated; other bodies as the string) instead of the HealedResponse.</summary>
    [Parameter]
    public SwitchParameter AsObject { get; set; }

    /// <summary>OCSP/CRL checking: Off, SoftFail (default) or HardFail.</summary>
    [Parameter]
    public RevocationCheckMode RevocationCheck { get; set; } = RevocationCheckMode.SoftFail;

    protected override void ProcessRecord()
    {
        var keystore = PathBinding.Keystore(this, Keystore, null);
        using var password = PasswordBinding.From(KeystorePassword, KeystoreCredential);
        var network = Credential?.GetNetworkCredential();
        System.Net.Http.Headers.AuthenticationHeaderValue? authorization = null;
        try
        {
            authorization = RequestAuthentication.Resolve(Uri!, Authentication, network, Token, AllowUnencryptedAuthentication);
        }
        catch (RequestAuthenticationException e)
        {
            ThrowTerminatingError(WebErrors.Authentication(e, Uri!, Authentication));
        }
        // The merge runs inside the request, on a worker thread, holding the keystore lock: no prompt
        // there. A fingerprint named in -TrustedFingerprint is the consent (the engine never asks about
        // it); -Force / -Confirm:$false approve the rest; anything else is refused and reported below.
        var consent = new AnchorConsent(this, Force, hasApprovalScript: false);
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
            HttpCredential = Authentication == HttpAuthentication.None ? network : null,
            Vocabulary = PowerShellVocabulary.TrustStore,
            RenewBeforeDays = RenewBefore,
            Connector = CreateConnector(),
            Recorder = new Trust.LedgerRecorder(Trust.TrustLedger.DefaultPath()),
        };
        var spec = Spec(authorization);
        try
        {
            if (!this.ShouldChange(keystore, $"Send {Method} {Uri} and heal trust in this keystore if the handshake fails", out var check))
            {
                var diagnosis = HealedRequest.DiagnoseAsync(spec, options, _cancel.Token).GetAwaiter().GetResult();
                if (!check && diagnosis.Change is not null)
                {
                    // A "No" at the prompt: the diagnosis stands, but it is no check run predicting a change.
                    diagnosis.Change.WhatIf = false;
                }
                WriteResponse(diagnosis, diagnosis: true);
                return;
            }
            WriteResponse(HealedRequest.SendAsync(spec, options, _cancel.Token).GetAwaiter().GetResult(), diagnosis: false);
        }
        catch (Exception e) when (OutFile is not null && e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            WriteError(new ErrorRecord(e, ErrorIds.OutFileFailed, ErrorCategory.WriteError, OutFile));
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
            WriteError(KeystoreErrors.Record(e, PowerShellVocabulary.TrustStore));
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

    /// <summary>What to send: the bound parameters as the engine's RequestSpec.</summary>
    private RequestSpec Spec(System.Net.Http.Headers.AuthenticationHeaderValue? authorization) => new()
    {
        Uri = Uri!,
        Method = Method,
        Headers = Headers?.Keys.Cast<object>().ToDictionary(k => k.ToString()!, k => Headers[k]?.ToString() ?? "") ?? [],
        Body = Body switch { null => null, byte[] bytes => bytes, PSObject { BaseObject: byte[] b } => b, var other => System.Text.Encoding.UTF8.GetBytes(other.ToString()!) },
        ContentType = ContentType,
        UserAgent = UserAgent,
        Authorization = authorization,
        OutFile = OutFileBinding.Resolve(this, OutFile),
        SkipHttpErrorCheck = SkipHttpErrorCheck,
    };

    /// <summary>Verbose steps, the variables, then the response: an HTTP error, the parsed body (-AsObject), or the HealedResponse.</summary>
    private void WriteResponse(HealedResponse response, bool diagnosis)
    {
        foreach (var step in response.Steps)
        {
            WriteVerbose($"{step.Name} ({step.Duration.TotalMilliseconds:0} ms): {step.Detail}");
        }
        if (diagnosis)
        {
            WriteObject(response);
            return;
        }
        if (ResponseHeadersVariable is not null)
        {
            SessionState.PSVariable.Set(ResponseHeadersVariable, response.Headers);
        }
        if (StatusCodeVariable is not null)
        {
            SessionState.PSVariable.Set(StatusCodeVariable, response.StatusCode);
        }
        if (!SkipHttpErrorCheck && ResponseContent.IsHttpError(response.StatusCode))
        {
            WriteError(WebErrors.HttpStatus(response, Uri!));
            return;
        }
        if (response.OutFile is not null)
        {
            WriteVerbose($"Wrote the body ({response.Content.Length} characters) to {response.OutFile}.");
            if (!PassThru)
            {
                return;
            }
        }
        if (!AsObject)
        {
            WriteObject(response);
        }
        else if (ResponseContent.IsJson(response.ContentType) && JsonObjects.TryParse(response.Content, out var parsed))
        {
            WriteObject(parsed, enumerateCollection: true);
        }
        else if (response.Content.Length > 0)
        {
            WriteObject(response.Content);
        }
    }

    protected override void StopProcessing() => _cancel.Cancel();

    public void Dispose() => _cancel.Dispose();
}
