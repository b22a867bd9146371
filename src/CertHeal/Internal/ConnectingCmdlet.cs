using System.Management.Automation;
using System.Net.Sockets;
using CertHeal.Handshake;

namespace CertHeal.Internal;

/// <summary>
/// The connection parameters every cmdlet that connects shares (-Proxy, -ProxyCredential,
/// -NoProxy, -AddressFamily), declared once, as PowerShell's own web cmdlets share theirs.
/// </summary>
public abstract class ConnectingCmdlet : PSCmdlet
{
    /// <summary>An HTTP proxy to tunnel through (CONNECT); without it HTTPS_PROXY/ALL_PROXY and NO_PROXY apply.</summary>
    [Parameter]
    public Uri? Proxy { get; set; }

    [Parameter]
    [Credential]
    public PSCredential? ProxyCredential { get; set; }

    /// <summary>Connect directly even when HTTPS_PROXY is set.</summary>
    [Parameter]
    public SwitchParameter NoProxy { get; set; }

    [Parameter]
    [ValidateSet(nameof(System.Net.Sockets.AddressFamily.InterNetwork), nameof(System.Net.Sockets.AddressFamily.InterNetworkV6))]
    public AddressFamily AddressFamily { get; set; } = AddressFamily.Unspecified;

    /// <summary>The engine's connector for these parameters; a contradiction or a bad proxy stops the command.</summary>
    protected ReachConnector CreateConnector() => ConnectionBinding.Connector(this, Proxy, ProxyCredential, NoProxy, AddressFamily);
}

/// <summary>Cmdlets that take targets also choose a STARTTLS upgrade and whether to probe every address of a name.</summary>
public abstract class TargetingCmdlet : ConnectingCmdlet
{
    /// <summary>Upgrade a plain-text protocol before TLS; smtp://, imap://, postgres:// ... targets imply it.</summary>
    [Parameter]
    public StartTlsProtocol? StartTls { get; set; }

    /// <summary>Probe every address the name resolves to (one result each), not only the first that answers.</summary>
    [Parameter]
    public SwitchParameter AllAddresses { get; set; }

    /// <summary>The targets as the engine will probe them: -StartTls applied, one per address with -AllAddresses.</summary>
    protected List<TlsTarget> ResolveTargets(IEnumerable<TlsTarget> targets, ReachConnector connector, CancellationToken cancellationToken) =>
        ConnectionBinding.Targets(targets, StartTls, AllAddresses, connector, cancellationToken);
}
