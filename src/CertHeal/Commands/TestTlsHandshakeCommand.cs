using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Handshake;
using CertHeal.Internal;

namespace CertHeal.Commands;

/// <summary>Test-TlsHandshake: why does the handshake with this server fail?</summary>
[Cmdlet(VerbsDiagnostic.Test, "TlsHandshake")]
[OutputType(typeof(HandshakeResult))]
public sealed class TestTlsHandshakeCommand : PSCmdlet, IDisposable
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
    public TlsProtocol[]? Protocol { get; set; }

    [Parameter]
    [Alias("Certificate")]
    public X509Certificate2? ClientCertificate { get; set; }

    [Parameter]
    [ValidateRange(1, 1024)]
    public int ThrottleLimit { get; set; } = 32;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Keystore { get; set; }

    [Parameter]
    public SwitchParameter NoAia { get; set; }

    /// <summary>An HTTP proxy to tunnel through (CONNECT); without it HTTPS_PROXY/ALL_PROXY and NO_PROXY apply.</summary>
    [Parameter]
    public Uri? Proxy { get; set; }

    [Parameter]
    [Credential]
    public PSCredential? ProxyCredential { get; set; }

    /// <summary>Connect directly even when HTTPS_PROXY is set.</summary>
    [Parameter]
    public SwitchParameter NoProxy { get; set; }

    /// <summary>Upgrade a plain-text protocol before TLS; smtp://, imap://, postgres:// ... targets imply it.</summary>
    [Parameter]
    public StartTlsProtocol? StartTls { get; set; }

    [Parameter]
    [ValidateSet(nameof(System.Net.Sockets.AddressFamily.InterNetwork), nameof(System.Net.Sockets.AddressFamily.InterNetworkV6))]
    public System.Net.Sockets.AddressFamily AddressFamily { get; set; } = System.Net.Sockets.AddressFamily.Unspecified;

    /// <summary>Probe every address the name resolves to (one result each), not only the first that answers.</summary>
    [Parameter]
    public SwitchParameter AllAddresses { get; set; }

    protected override void ProcessRecord() =>
        TargetBinding.Collect(this, Target, MyInvocation.BoundParameters.ContainsKey(nameof(Port)) ? Port : null, ServerName, _targets);

    protected override void EndProcessing()
    {
        using var aia = NoAia ? null : new Chains.AiaFetcher();
        var connector = ConnectionBinding.Connector(this, Proxy, ProxyCredential, NoProxy, AddressFamily);
        var targets = ConnectionBinding.Targets(_targets, StartTls, AllAddresses, connector, _cancel.Token);
        var options = new ProbeOptions
        {
            Connector = connector,
            Timeout = TimeSpan.FromSeconds(TimeoutSec),
            ClientCertificate = ClientCertificate,
            Trust = TrustBinding.Load(this, Keystore),
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
