using System.Management.Automation;
using CertHeal.Chains;
using CertHeal.Handshake;
using CertHeal.Internal;

namespace CertHeal.Commands;

/// <summary>Get-ServerCertificateChain: what the server presents, completed by the keystore, the system and AIA.</summary>
[Cmdlet(VerbsCommon.Get, "ServerCertificateChain")]
[OutputType(typeof(ChainCertificate))]
public sealed class GetServerCertificateChainCommand : TargetingCmdlet, IDisposable
{
    private const int ProgressId = 0x7C02;
    private readonly List<TlsTarget> _targets = [];
    private readonly CancellationTokenSource _cancel = new();

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("ComputerName", "HostName", "Host", "Uri")]
    [ValidateNotNullOrEmpty]
    public string[] Target { get; set; } = [];

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 65535)]
    public int Port { get; set; } = TlsTarget.DefaultPort;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? ServerName { get; set; }

    [Parameter]
    [ValidateRange(1, 600)]
    public int TimeoutSec { get; set; } = 10;

    /// <summary>Limit the handshake to one TLS version, as the Test-TlsHandshake that failed was (its Recommendation repeats it).</summary>
    [Parameter]
    [TlsProtocolTransformation]
    public TlsProtocol? Protocol { get; set; }

    [Parameter]
    public SwitchParameter NoAia { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(KeystorePathCompleter))]
    public string? Keystore { get; set; }

    /// <summary>The password of -Keystore (a PKCS#12 truststore with encrypted certificates needs it; a JKS is read without).</summary>
    [Parameter]
    public System.Security.SecureString? KeystorePassword { get; set; }

    [Parameter]
    [Credential]
    public PSCredential? KeystoreCredential { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutFile { get; set; }

    [Parameter]
    [ValidateRange(1, 1024)]
    public int ThrottleLimit { get; set; } = 32;

    /// <summary>Presented when the server asks for one (mutual TLS), so its chain can still be read.</summary>
    [Parameter]
    [Alias("Certificate")]
    public System.Security.Cryptography.X509Certificates.X509Certificate2? ClientCertificate { get; set; }

    /// <summary>OCSP/CRL checking: Off, SoftFail (default) or HardFail.</summary>
    [Parameter]
    public RevocationCheckMode RevocationCheck { get; set; } = RevocationCheckMode.SoftFail;

    protected override void ProcessRecord() =>
        TargetBinding.Collect(this, Target, MyInvocation.BoundParameters.ContainsKey(nameof(Port)) ? Port : null, ServerName, _targets);

    protected override void EndProcessing()
    {
        var trust = TrustBinding.Load(this, Keystore, KeystorePassword, KeystoreCredential);
        using var aia = NoAia ? null : new AiaFetcher();
        var connector = CreateConnector();
        var targets = ResolveTargets(_targets, connector, _cancel.Token);
        var options = new ChainOptions
        {
            Probe = new ProbeOptions
            {
                Revocation = RevocationCheck,
                Timeout = TimeSpan.FromSeconds(TimeoutSec), Trust = trust, Connector = connector, ClientCertificate = ClientCertificate, Protocol = Protocol,
                Vocabulary = PowerShellVocabulary.Instance,
            },
            Aia = aia,
        };
        var bundle = new List<ChainCertificate>();
        var reader = ChainCollector.Run(targets, options, ThrottleLimit, _cancel.Token);
        ResultDrain.Drain(this, reader, targets.Count, ProgressId, "Get-ServerCertificateChain", report =>
        {
            if (report.Certificates.Count == 0)
            {
                WriteError(new ErrorRecord(new InvalidOperationException(report.Handshake.Reason), ErrorIds.NoCertificate,
                    ErrorCategory.ConnectionError, report.Handshake.Target));
                return;
            }
            foreach (var problem in report.AiaProblems)
            {
                WriteVerbose($"{report.Handshake.Target}: {problem}.");
            }
            bundle.AddRange(report.Path);
            foreach (var certificate in report.Certificates)
            {
                WriteObject(certificate);
            }
        }, _cancel.Token);
        if (OutFile is not null && bundle.Count > 0 && !_cancel.IsCancellationRequested)
        {
            var path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(OutFile);
            PemBundleExport.Write(path, bundle.DistinctBy(c => c.Thumbprint), bundle);
            WriteVerbose($"Wrote {bundle.Count} certificates to {path}.");
        }
    }

    protected override void StopProcessing() => _cancel.Cancel();

    public void Dispose() => _cancel.Dispose();
}
