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

    /// <summary>Also binds KeystoreLocation.Path from Find-Keystore by property name: one report per piped store.</summary>
    [Parameter(Position = 0, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(KeystorePathCompleter))]
    public string? Path { get; set; }

    private readonly List<string> _pipedPaths = [];
    private string? _commandLinePath;

    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath")]
    [ValidateNotNullOrEmpty]
    public string? LiteralPath { get; set; }

    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Target", "ComputerName")]
    [ValidateNotNullOrEmpty]
    public string[] Uri { get; set; } = [];

    /// <summary>The port for endpoints that name none; bound by property name, so Import-Csv rows with ComputerName and Port work.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 65535)]
    public int Port { get; set; } = TlsTarget.DefaultPort;

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

    [Parameter]
    public SwitchParameter Ledger { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LedgerPath { get; set; }

    /// <summary>OCSP/CRL checking: Off, SoftFail (default) or HardFail.</summary>
    [Parameter]
    public RevocationCheckMode RevocationCheck { get; set; } = RevocationCheckMode.SoftFail;

    protected override void BeginProcessing() => _commandLinePath = Path;

    protected override void ProcessRecord()
    {
        if (Path is not null && Path != _commandLinePath)
        {
            _pipedPaths.Add(PathBinding.Keystore(this, Path, null));
            return;
        }
        TargetBinding.Collect(this, Uri, MyInvocation.BoundParameters.ContainsKey(nameof(Port)) ? Port : null, null, _targets);
    }

    protected override void EndProcessing()
    {
        if (_pipedPaths.Count == 0)
        {
            Validate(PathBinding.Keystore(this, Path, LiteralPath), terminating: true);
        }
        foreach (var piped in _pipedPaths.Distinct())
        {
            Validate(piped, terminating: false);
        }
    }

    private void Validate(string path, bool terminating)
    {
        var connector = CreateConnector();
        var endpoints = ResolveTargets(_targets, connector, _cancel.Token);
        using var password = PasswordBinding.From(Password, Credential);
        try
        {
            var report = KeystoreValidator.ValidateFileAsync(path, Format, password, new ValidationOptions
            {
                ExpiringWithinDays = ExpiringWithin,
                Revocation = RevocationCheck,
                Endpoints = endpoints,
                Timeout = TimeSpan.FromSeconds(TimeoutSec),
                RenewBeforeDays = RenewBefore,
                Connector = connector,
                ClientCertificate = ClientCertificate,
                Vocabulary = PowerShellVocabulary.Instance,
                Ledger = Ledger || LedgerPath is not null
                    ? Trust.TrustLedger.Read(LedgerPath is null ? Trust.TrustLedger.DefaultPath() : SessionState.Path.GetUnresolvedProviderPathFromPSPath(LedgerPath))
                    : null,
            }, _cancel.Token).GetAwaiter().GetResult();
            foreach (var finding in report.Findings)
            {
                WriteVerbose($"{finding.Severity} {finding.Code}: {finding.Message}");
            }
            WriteObject(report);
        }
        catch (KeystoreException e) when (!terminating)
        {
            WriteError(KeystoreErrors.Record(e));
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
