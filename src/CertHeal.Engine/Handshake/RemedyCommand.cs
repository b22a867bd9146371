using System.Globalization;

namespace CertHeal.Handshake;

/// <summary>
/// The parts of a remedy command every host shares, decided once: which endpoint to name and
/// which options repeat what the probe used, in a stable order. Hosts only spell and quote them.
/// </summary>
public static class RemedyCommand
{
    /// <summary>host:port ([v6]:port): the STARTTLS upgrade travels as its own option, not as a scheme.</summary>
    public static string Endpoint(ProbeSettings probe) =>
        probe.Host.Contains(':') ? $"[{probe.Host}]:{probe.Port}" : $"{probe.Host}:{probe.Port}";

    /// <summary>
    /// The options the collecting command needs to reach the server as the probe did; a null
    /// value marks a switch. The proxy's credentials are never included (ProxyCredential says
    /// they were used), nor is a keystore's password.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<HostOption, string?>> CollectOptions(ProbeSettings probe)
    {
        var options = new List<KeyValuePair<HostOption, string?>>();
        void Add(HostOption option, string? value) => options.Add(new(option, value));
        if (probe.ServerName is { } serverName)
        {
            Add(HostOption.ServerName, serverName);
        }
        if (probe.StartTls != StartTlsProtocol.None)
        {
            Add(HostOption.StartTls, probe.StartTls.ToString());
        }
        if (probe.Proxy is { } proxy)
        {
            Add(HostOption.Proxy, proxy);
        }
        else if (probe.NoProxy)
        {
            Add(HostOption.NoProxy, null);
        }
        if (probe.Protocol is { } protocol)
        {
            Add(HostOption.Protocol, protocol.ToString());
        }
        if (probe.TimeoutSeconds is { } timeout)
        {
            Add(HostOption.Timeout, timeout.ToString(CultureInfo.InvariantCulture));
        }
        if (probe.ClientCertificate is { } clientCertificate)
        {
            Add(HostOption.ClientCertificate, clientCertificate);
        }
        if (probe.Keystore is { } keystore)
        {
            Add(HostOption.Keystore, keystore);
        }
        return options;
    }
}
