namespace CertHeal.Handshake;

/// <summary>Reads, from a probe's target and options, what a command must repeat to reach the same endpoint.</summary>
internal static class ProbeSettingsReader
{
    private static readonly TimeSpan DefaultTimeout = new ProbeOptions().Timeout;

    public static ProbeSettings Read(TlsTarget target, ProbeOptions options)
    {
        var trust = options.Trust;
        var settings = new ProbeSettings
        {
            Target = target.Display,
            Host = target.Host,
            Port = target.Port,
            ServerName = string.Equals(target.ServerName, target.Host, StringComparison.OrdinalIgnoreCase) ? null : target.ServerName,
            StartTls = target.StartTls,
            Keystore = trust is null || trust.IsSystem ? null : trust.Name,
            Protocol = options.Protocol,
            ClientCertificate = options.ClientCertificate is null ? null : options.ClientCertificatePath,
            ClientCertificateThumbprint = options.ClientCertificate?.Thumbprint,
            TimeoutSeconds = options.Timeout == DefaultTimeout ? null : (int)Math.Ceiling(options.Timeout.TotalSeconds),
        };
        // The environment's proxy applies again when the command runs in the same shell; only a
        // proxy (or its absence) that was asked for explicitly has to be repeated.
        if (options.Connector is ReachConnector { ExplicitProxy: { } proxy })
        {
            settings.Proxy = proxy.Proxy is null ? null : ProxySettings.Describe(proxy.Proxy);
            settings.NoProxy = proxy.Proxy is null;
            settings.ProxyCredential = proxy.Credential is not null && proxy.Proxy is not null;
        }
        else if (options.Connector is ReachConnector reach)
        {
            try
            {
                var environment = reach.Proxy;
                settings.ProxyCredential = environment.ProxyFor(target) is not null && environment.Credential is not null;
            }
            catch (ArgumentException)
            {
                // The variables changed under the probe and no longer parse: the connection already told what it used.
            }
        }
        return settings;
    }
}
