using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Lab;

/// <summary>
/// A private PKI plus the servers that present it. "Trusted by the system" in tests means
/// <see cref="TrustedRoots"/>, handed to the engine explicitly; the machine's store is never touched.
/// </summary>
public sealed class Lab : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _running = [];

    private Lab(string folder)
    {
        Folder = folder;
        Trusted = LabHierarchy.Create("CertHeal Lab");
        Untrusted = LabHierarchy.Create("Unknown Private");
    }

    /// <summary>The hierarchy whose root the tests trust.</summary>
    public LabHierarchy Trusted { get; }

    /// <summary>A private hierarchy no test trusts.</summary>
    public LabHierarchy Untrusted { get; }

    /// <summary>A scratch folder for PEM files and keystores, removed on dispose.</summary>
    public string Folder { get; }

    public X509Certificate2Collection TrustedRoots => [Trusted.Root];

    public static Lab Create()
    {
        var folder = Path.Combine(Path.GetTempPath(), "certheal-lab-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        return new Lab(folder);
    }

    /// <summary>The leaf and chain a scenario presents; null for scenarios that are not TLS.</summary>
    public (X509Certificate2 Leaf, X509Certificate2[] Chain)? Material(LabScenario scenario)
    {
        var now = DateTimeOffset.UtcNow;
        var name = scenario.ToString().ToLowerInvariant() + ".certheal.test";
        LeafSpec Spec(DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null, IReadOnlyList<string>? dns = null) => new()
        {
            CommonName = name,
            DnsNames = dns ?? [name, "localhost"],
            IpAddresses = dns is null ? [System.Net.IPAddress.Loopback, System.Net.IPAddress.IPv6Loopback] : [],
            NotBefore = notBefore ?? now.AddDays(-1),
            NotAfter = notAfter ?? now.AddDays(90),
        };
        switch (scenario)
        {
            case LabScenario.GoodChain or LabScenario.ClientCertificateRequired or LabScenario.Tls12Only or LabScenario.Tls13Only:
                return (Trusted.IssueLeaf(Spec()), [Trusted.Intermediate]);
            case LabScenario.LeafOnly:
                return (Trusted.IssueLeaf(Spec()), []);
            case LabScenario.UntrustedRoot:
                return (Untrusted.IssueLeaf(Spec()), [Untrusted.Intermediate, Untrusted.Root]);
            case LabScenario.SelfSigned:
                var spec = Spec().ToMintSpec();
                return (CertificateMint.Issue(spec), []);
            case LabScenario.Expired:
                return (Trusted.IssueLeaf(Spec(now.AddDays(-60), now.AddDays(-2))), [Trusted.Intermediate]);
            case LabScenario.NotYetValid:
                return (Trusted.IssueLeaf(Spec(now.AddDays(5), now.AddDays(90))), [Trusted.Intermediate]);
            case LabScenario.NameMismatch:
                return (Trusted.IssueLeaf(Spec(dns: ["wrong.certheal.test"])), [Trusted.Intermediate]);
            default:
                return null;
        }
    }

    /// <summary>Starts the in-process server for a scenario on 127.0.0.1 and an ephemeral port.</summary>
    public LabEndpoint Start(LabScenario scenario)
    {
        LabListener? listener = scenario switch
        {
            LabScenario.PlainHttp => LabPlainServers.PlainHttp(),
            LabScenario.Silent => LabPlainServers.Silent(),
            LabScenario.ClosedPort => null,
            _ => null,
        };
        IReadOnlyList<X509Certificate2> presented = [];
        if (listener is null && scenario != LabScenario.ClosedPort)
        {
            var (leaf, chain) = Material(scenario)!.Value;
            listener = LabTlsServer.Start(new LabTlsServerOptions
            {
                Certificate = leaf,
                Chain = chain,
                Protocols = scenario switch
                {
                    LabScenario.Tls12Only => SslProtocols.Tls12,
                    LabScenario.Tls13Only => SslProtocols.Tls13,
                    _ => SslProtocols.None,
                },
                RequireClientCertificate = scenario == LabScenario.ClientCertificateRequired,
            });
            presented = [leaf, .. chain];
        }
        var endpoint = new LabEndpoint
        {
            Scenario = scenario,
            Host = "127.0.0.1",
            Port = listener?.Port ?? LabListener.ClosedPort(),
            Presented = presented,
            Server = listener,
        };
        lock (_running)
        {
            _running.Add(endpoint);
        }
        return endpoint;
    }

    /// <summary>
    /// The incomplete chain healed by AIA: a loopback HTTP server publishes the intermediate
    /// (DER, or PKCS#7 .p7c) and the leaf-only server's certificate points at it.
    /// </summary>
    /// <param name="https">Publish the intermediate over HTTPS (the lab's good chain, trusted by the lab root) instead of HTTP.</param>
    public LabEndpoint StartLeafOnlyWithAia(out LabHttpServer repository, bool pkcs7 = false, bool https = false)
    {
        if (https)
        {
            var (serverLeaf, serverChain) = Material(LabScenario.GoodChain)!.Value;
            repository = LabHttpServer.StartTls(serverLeaf, serverChain);
        }
        else
        {
            repository = new LabHttpServer();
        }
        var path = pkcs7 ? "issuing-ca.p7c" : "issuing-ca.cer";
        var body = pkcs7
            ? new X509Certificate2Collection(Trusted.Intermediate).Export(X509ContentType.Pkcs7)!
            : Trusted.Intermediate.Export(X509ContentType.Cert);
        repository.Map(path, new LabHttpServer.Route(body, pkcs7 ? "application/pkcs7-mime" : "application/pkix-cert"));
        var leaf = Trusted.IssueLeaf(new LeafSpec { CommonName = "aia.certheal.test", DnsNames = ["aia.certheal.test", "localhost"], CaIssuersUrl = repository.Url(path) });
        lock (_running)
        {
            _running.Add(repository);
        }
        return StartServing(LabScenario.LeafOnly, leaf, []);
    }

    /// <summary>
    /// Proactive renewal: an issuing CA that expires in <paramref name="days"/> days (what a
    /// keystore holds) and its successor (same name, three more years), which the server
    /// already presents with a leaf it issued.
    /// </summary>
    public LabEndpoint StartWithRenewedIntermediate(int days, out X509Certificate2 expiring, out X509Certificate2 successor)
    {
        var now = DateTimeOffset.UtcNow;
        CertificateMint.Spec Ca(DateTimeOffset notAfter) => new()
        {
            Subject = "CN=CertHeal Lab Renewing CA, O=CertHeal Lab", IsCertificateAuthority = true, NotBefore = now.AddDays(-30), NotAfter = notAfter,
        };
        expiring = CertificateMint.Issue(Ca(now.AddDays(days)), Trusted.Root);
        successor = CertificateMint.Issue(Ca(now.AddYears(3)), Trusted.Root);
        var leaf = CertificateMint.Issue(new LeafSpec { CommonName = "renewal.certheal.test", DnsNames = ["renewal.certheal.test", "localhost"] }.ToMintSpec(), successor);
        return StartServing(LabScenario.GoodChain, leaf, [successor]);
    }

    /// <summary>
    /// A web API on HTTPS with the good chain (trusted root, issuing CA, leaf for 127.0.0.1/localhost):
    /// map routes with any status, headers and body, then read back what each request sent.
    /// </summary>
    public LabHttpServer StartHttpsApi()
    {
        var (leaf, chain) = Material(LabScenario.GoodChain)!.Value;
        var server = LabHttpServer.StartTls(leaf, chain);
        lock (_running)
        {
            _running.Add(server);
        }
        return server;
    }

    /// <summary>Serves any leaf and chain, exactly in the given order, from an in-process server.</summary>
    public LabEndpoint StartServing(LabScenario scenario, X509Certificate2 leaf, IReadOnlyList<X509Certificate2> chain, bool requireClientCertificate = false)
    {
        var listener = LabTlsServer.Start(new LabTlsServerOptions { Certificate = leaf, Chain = chain, RequireClientCertificate = requireClientCertificate });
        var endpoint = new LabEndpoint { Scenario = scenario, Host = "127.0.0.1", Port = listener.Port, Presented = [leaf, .. chain], Server = listener };
        lock (_running)
        {
            _running.Add(endpoint);
        }
        return endpoint;
    }

    /// <summary>Serves a scenario from a separate `openssl s_server` process instead of SslStream.</summary>
    public async Task<LabEndpoint> StartOpenSslAsync(LabScenario scenario, string? extraArguments = null, CancellationToken token = default)
    {
        var (leaf, chain) = Material(scenario) ?? throw new ArgumentException($"{scenario} is not a TLS scenario.", nameof(scenario));
        var server = await OpenSslServer.StartAsync(Folder, leaf, chain, extraArguments, token).ConfigureAwait(false);
        var endpoint = new LabEndpoint
        {
            Scenario = scenario,
            Host = "127.0.0.1",
            Port = server.Port,
            Presented = [leaf, .. chain],
            Server = server,
        };
        lock (_running)
        {
            _running.Add(endpoint);
        }
        return endpoint;
    }

    /// <summary>Writes the trusted root as a PEM file, the "system" bundle for CLI and curl tests.</summary>
    public string WriteTrustedRootPem(string fileName = "trusted-roots.pem")
    {
        var path = Path.Combine(Folder, fileName);
        File.WriteAllText(path, CertificateMint.ToPem(Trusted.Root));
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        IAsyncDisposable[] running;
        lock (_running)
        {
            running = [.. _running];
            _running.Clear();
        }
        foreach (var item in running)
        {
            await item.DisposeAsync().ConfigureAwait(false);
        }
        Trusted.Dispose();
        Untrusted.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
