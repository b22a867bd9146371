using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Handshake;
using CertHeal.Keystores;

namespace CertHeal.Cli;

/// <summary>
/// The connection options of every verb that connects (test, chain, confirm --uri, request):
/// proxy, STARTTLS, client certificate, address family. The same engine connector as the cmdlets.
/// </summary>
internal static class ConnectionOptions
{
    public static readonly Dictionary<string, bool> Spec = new()
    {
        ["--proxy"] = true, ["--proxy-user"] = true, ["--proxy-password-env"] = true, ["--no-proxy"] = false,
        ["--starttls"] = true, ["--client-cert"] = true, ["--client-cert-password"] = true, ["--client-cert-password-file"] = true,
        ["--client-cert-password-env"] = true, ["--address-family"] = true, ["--all-addresses"] = false,
    };

    /// <summary>A verb's own options plus the connection options.</summary>
    public static Dictionary<string, bool> With(Dictionary<string, bool> verbOptions) =>
        verbOptions.Concat(Spec).ToDictionary(p => p.Key, p => p.Value);

    public static ReachConnector Connector(CliArguments args)
    {
        var family = args.Value("--address-family") switch
        {
            null => AddressFamily.Unspecified,
            "4" or "InterNetwork" or "ipv4" => AddressFamily.InterNetwork,
            "6" or "InterNetworkV6" or "ipv6" => AddressFamily.InterNetworkV6,
            var other => throw new UsageException($"option '--address-family' must be InterNetwork or InterNetworkV6 (or -4 / -6), not '{other}'."),
        };
        var proxyText = args.Value("--proxy");
        if (proxyText is not null && args.Flag("--no-proxy"))
        {
            throw new UsageException("--proxy and --no-proxy contradict each other; give one of them.");
        }
        NetworkCredential? credential = null;
        if (args.Value("--proxy-user") is { } user)
        {
            var variable = args.Value("--proxy-password-env") ?? throw new UsageException("--proxy-user needs --proxy-password-env VAR naming the variable that holds the proxy password.");
            credential = new NetworkCredential(user, Environment.GetEnvironmentVariable(variable)
                ?? throw new UsageException($"the environment variable '{variable}' named by --proxy-password-env is not set."));
        }
        try
        {
            ProxySettings settings;
            if (args.Flag("--no-proxy"))
            {
                settings = ProxySettings.None;
            }
            else if (proxyText is not null)
            {
                if (!Uri.TryCreate(proxyText.Contains("://", StringComparison.Ordinal) ? proxyText : "http://" + proxyText, UriKind.Absolute, out var proxy))
                {
                    throw new UsageException($"--proxy '{proxyText}' is not a URL; use http://host:port.");
                }
                settings = new ProxySettings(proxy, credential);
            }
            else
            {
                settings = ProxySettings.FromEnvironment(null, credential, CliVocabulary.Instance);
            }
            return new ReachConnector(settings, new DirectConnector { AddressFamily = family });
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message.Replace("-NoProxy / ", "", StringComparison.Ordinal));
        }
    }

    /// <summary>--starttls applied to every target, then one target per address with --all-addresses.</summary>
    public static async Task<List<TlsTarget>> TargetsAsync(CliArguments args, IEnumerable<TlsTarget> targets, ReachConnector connector, CancellationToken cancellationToken)
    {
        var list = targets.ToList();
        if (args.Value("--starttls") is { } text)
        {
            var protocol = MergeVerb.Parse<StartTlsProtocol>(text, "--starttls", "Smtp, Imap, Pop3, Ftp, Ldap, Postgres, MySql or Xmpp")!.Value;
            list = list.Select(t => t.WithStartTls(protocol)).ToList();
        }
        return args.Flag("--all-addresses") ? await connector.ExpandAddressesAsync(list, cancellationToken).ConfigureAwait(false) : list;
    }

    /// <summary>--client-cert as a full path, so a Recommendation names the same file from any folder.</summary>
    public static string? ClientCertificatePath(CliArguments args) => args.Value("--client-cert") is { } path ? Path.GetFullPath(path) : null;

    public static X509Certificate2? ClientCertificate(CliArguments args)
    {
        if (args.Value("--client-cert") is not { } path)
        {
            return null;
        }
        var given = new[] { "--client-cert-password", "--client-cert-password-file", "--client-cert-password-env" }.Count(o => args.Value(o) is not null);
        if (given > 1)
        {
            throw new UsageException("give the client certificate's password once: --client-cert-password, --client-cert-password-file or --client-cert-password-env.");
        }
        KeystorePassword? password;
        try
        {
            password = args.Value("--client-cert-password") is { } p ? KeystorePassword.FromString(p)
                : args.Value("--client-cert-password-file") is { } f ? KeystorePassword.FromFile(f)
                : args.Value("--client-cert-password-env") is { } v ? KeystorePassword.FromEnvironment(v)
                : null;
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message.Replace("keystore password", "client certificate's password (--client-cert-password-env)", StringComparison.Ordinal));
        }
        using (password)
        {
            return ClientCertificateFile.Load(path, password);
        }
    }
}
