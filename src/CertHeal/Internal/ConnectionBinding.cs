using System.Management.Automation;
using System.Net.Sockets;
using CertHeal.Handshake;

namespace CertHeal.Internal;

/// <summary>
/// Turns the connection parameters every connecting cmdlet shares (-Proxy, -ProxyCredential,
/// -NoProxy, -StartTls, -AddressFamily, -AllAddresses) into the engine's one connector and
/// the final target list, the same way for each cmdlet.
/// </summary>
internal static class ConnectionBinding
{
    public static ReachConnector Connector(PSCmdlet cmdlet, Uri? proxy, PSCredential? proxyCredential, bool noProxy, AddressFamily addressFamily)
    {
        if (noProxy && proxy is not null)
        {
            cmdlet.ThrowTerminatingError(new ErrorRecord(new ArgumentException("-Proxy and -NoProxy contradict each other; give one of them."),
                ErrorIds.InvalidProxy, ErrorCategory.InvalidArgument, proxy));
        }
        ProxySettings? settings = null;
        try
        {
            settings = noProxy ? ProxySettings.None
                : proxy is not null ? new ProxySettings(proxy, proxyCredential?.GetNetworkCredential())
                : ProxySettings.FromEnvironment(null, proxyCredential?.GetNetworkCredential(), PowerShellVocabulary.Instance);
        }
        catch (ArgumentException e)
        {
            cmdlet.ThrowTerminatingError(new ErrorRecord(e, ErrorIds.InvalidProxy, ErrorCategory.InvalidArgument, proxy));
        }
        return new ReachConnector(settings, new DirectConnector { AddressFamily = addressFamily });
    }

    /// <summary>-StartTls applied to every target (it wins over the scheme), then one target per address with -AllAddresses.</summary>
    public static List<TlsTarget> Targets(IEnumerable<TlsTarget> targets, StartTlsProtocol? startTls, bool allAddresses, ReachConnector connector,
        CancellationToken cancellationToken)
    {
        var list = startTls is { } protocol ? targets.Select(t => t.WithStartTls(protocol)).ToList() : targets.ToList();
        return allAddresses ? connector.ExpandAddressesAsync(list, cancellationToken).GetAwaiter().GetResult() : list;
    }
}
