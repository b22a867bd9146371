using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Handshake;
using CertHeal.Internal;

namespace CertHeal.Commands;

/// <summary>Test-TlsHandshake: why does the handshake with this server fail?</summary>
[Cmdlet(VerbsDiagnostic.Test, "TlsHandshake")]
[OutputType(typeof(HandshakeResult))]
public sealed class TestTlsHandshakeCommand : TargetingCmdlet, IDisposable
{
    private const int ProgressId = 0x7C01;
    private readonly List<TlsTarget> _targets = [];
    private readonly CancellationTokenSource _cancel = new();

    /// <summary>host, host:port, [v6]:port or https://host:port/path; also bound by property name from objects.</summary>
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

    [Parameter]
    [TlsProtocolTransformation]
    public TlsProtocol[]? Protocol { get; set; }

    [Parameter]
    [Alias("Certificate")]
    public X509Certificate2? ClientCertificate { get; set; }

    [Parameter]
    [ValidateRange(1, 1024)]
    public int ThrottleLimit { get; set; } = 32;

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
    public SwitchParameter NoAia { get; set; }

    /// <summary>OCSP/CRL checking: Off, SoftFail (default) or HardFail.</summary>
    [Parameter]
    public RevocationCheckMode RevocationCheck { get; set; } = RevocationCheckMode.SoftFail;

    protected override void ProcessRecord() =>
        TargetBinding.Collect(this, Target, MyInvocation.BoundParameters.ContainsKey(nameof(Port)) ? Port : null, ServerName, _targets);

    protected override void EndProcessing()
    {
        using var aia = NoAia ? null : new Chains.AiaFetcher();
        var connector = CreateConnector();
        var targets = ResolveTargets(_targets, connector, _cancel.Token);
        var options = new ProbeOptions
        {
            Revocation = RevocationCheck,
            Connector = connector,
            Timeout = TimeSpan.FromSeconds(TimeoutSec),
            ClientCertificate = ClientCertificate,
            Vocabulary = PowerShellVocabulary.Instance,
            Trust = TrustBinding.Load(this, Keystore, KeystorePassword, KeystoreCredential),
            Aia = aia,
        };
        IReadOnlyList<TlsProtocol?>? protocols = Protocol?.Distinct().Select(p => (TlsProtocol?)p).ToList();
        var reader = ProbeBatch.Run(targets, options, ThrottleLimit, _cancel.Token, protocols);
        ResultDrain.Drain(this, reader, ProbeBatch.Count(targets, protocols), ProgressId, "Test-TlsHandshake",
            r => $"{r.Target}: {r.Failure}. {r.Reason}", _cancel.Token);
    }

    protected override void StopProcessing() => _cancel.Cancel();

    public void Dispose() => _cancel.Dispose();
}
