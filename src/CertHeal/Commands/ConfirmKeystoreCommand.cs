using System.Management.Automation;
using System.Security;
using CertHeal.Handshake;
using CertHeal.Internal;
using CertHeal.Keystores;
using CertHeal.Validation;

namespace CertHeal.Commands;

/// <summary>Confirm-Keystore: is this keystore healthy, and do these endpoints handshake with it?</summary>
[Cmdlet(VerbsLifecycle.Confirm, "Keystore", DefaultParameterSetName = PathSet)]
[OutputType(typeof(KeystoreReport))]
public sealed class ConfirmKeystoreCommand : TargetingCmdlet, IDisposable
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";
    private readonly List<TlsTarget> _targets = [];
    private readonly CancellationTokenSource _cancel = new();

    [Parameter(Position = 0, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath")]
    [ValidateNotNullOrEmpty]
    public string? LiteralPath { get; set; }

    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Target", "ComputerName")]
    [ValidateNotNullOrEmpty]
    public string[] Uri { get; set; } = [];

    [Parameter]
    public KeystoreFormat? Format { get; set; }

    [Parameter]
    public SecureString? Password { get; set; }

    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    [Parameter]
    [ValidateRange(0, 36500)]
    public int ExpiringWithin { get; set; } = 30;

    [Parameter]
    [ValidateRange(1, 600)]
    public int TimeoutSec { get; set; } = 10;

    [Parameter]
    [ValidateRange(0, 3650)]
    public int RenewBefore { get; set; }

    /// <summary>Presented to -Uri endpoints that require a client certificate (mutual TLS).</summary>
    [Parameter]
    [Alias("Certificate")]
    public System.Security.Cryptography.X509Certificates.X509Certificate2? ClientCertificate { get; set; }

    protected override void ProcessRecord() => TargetBinding.Collect(this, Uri, null, null, _targets);

    protected override void EndProcessing()
    {
        var path = PathBinding.Keystore(this, Path, LiteralPath);
        var connector = CreateConnector();
        var endpoints = ResolveTargets(_targets, connector, _cancel.Token);
        using var password = PasswordBinding.From(Password, Credential);
        try
        {
            var report = KeystoreValidator.ValidateFileAsync(path, Format, password, new ValidationOptions
            {
                ExpiringWithinDays = ExpiringWithin,
                Endpoints = endpoints,
                Timeout = TimeSpan.FromSeconds(TimeoutSec),
                RenewBeforeDays = RenewBefore,
                Connector = connector,
                ClientCertificate = ClientCertificate,
            }, _cancel.Token).GetAwaiter().GetResult();
            foreach (var finding in report.Findings)
            {
                WriteVerbose($"{finding.Severity} {finding.Code}: {finding.Message}");
            }
            WriteObject(report);
        }
        catch (KeystoreException e)
        {
            ThrowTerminatingError(KeystoreErrors.Record(e));
        }
        catch (OperationCanceledException) when (_cancel.IsCancellationRequested)
        {
        }
    }

    protected override void StopProcessing() => _cancel.Cancel();

    public void Dispose() => _cancel.Dispose();
}
