using System.Net;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Lab;
using CertHeal.Trust;

namespace CertHeal.Tests.Revocation;

/// <summary>How the lab answers one revocation URL.</summary>
public enum Answer
{
    /// <summary>The URL is not put in the certificate.</summary>
    None,

    /// <summary>OCSP: a real `openssl ocsp` responder; CRL: a CRL signed by the issuer.</summary>
    Real,

    /// <summary>Nothing listens (connection refused).</summary>
    Closed,

    /// <summary>Accepts the connection and never answers.</summary>
    Slow,

    /// <summary>Streams more than the size cap.</summary>
    Oversized,

    /// <summary>Answers HTTP 200 with bytes that are no OCSP response / CRL.</summary>
    Malformed,
}

/// <summary>
/// Root -> intermediate -> leaf, each non-root certificate naming an OCSP responder and/or a CRL
/// on loopback, answered as the test asks; a TLS server presenting leaf + intermediate.
/// </summary>
internal sealed class RevocationLab : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _async = [];
    private readonly List<IDisposable> _sync = [];

    public required X509Certificate2 Root { get; init; }
    public required X509Certificate2 Intermediate { get; init; }
    public required X509Certificate2 Leaf { get; init; }
    public required LabHttpServer Http { get; init; }
    public LabTlsServer? Server { get; private set; }

    public TrustAnchors Trust => TrustAnchors.FromCertificates("Revocation lab root", [Root]);
    public string Target => Server!.Target;

    public static async Task<RevocationLab> CreateAsync(Answer leafOcsp = Answer.Real, Answer leafCrl = Answer.None, Answer intermediateOcsp = Answer.None,
        Answer intermediateCrl = Answer.Real, bool leafRevoked = false, bool intermediateRevoked = false, string name = "rev")
    {
        var http = new LabHttpServer();
        var lab = new List<IAsyncDisposable> { http };
        var sync = new List<IDisposable>();
        var leafOcspPort = LabListener.ClosedPort();
        var intermediateOcspPort = LabListener.ClosedPort();
        string? OcspUrl(Answer answer, int port, string path) => answer switch
        {
            Answer.None => null,
            Answer.Real or Answer.Closed => OpenSslOcspResponder.UrlFor(port),
            Answer.Slow => Slow(lab),
            _ => http.Url(path),
        };
        string[] CrlUrl(Answer answer, string path) => answer == Answer.None ? [] : answer == Answer.Slow ? [Slow(lab)] : answer == Answer.Closed
            ? [$"http://127.0.0.1:{LabListener.ClosedPort()}/{path}"] : [http.Url(path)];

        var root = CertificateMint.Issue(new CertificateMint.Spec { Subject = $"CN={name} Root", IsCertificateAuthority = true, Key = KeyKind.Rsa2048 });
        var intermediate = CertificateMint.Issue(new CertificateMint.Spec
        {
            Subject = $"CN={name} Intermediate",
            IsCertificateAuthority = true,
            Key = KeyKind.Rsa2048,
            OcspUrl = OcspUrl(intermediateOcsp, intermediateOcspPort, "intermediate.ocsp"),
            CrlUrls = CrlUrl(intermediateCrl, "root.crl"),
        }, root);
        var leaf = CertificateMint.Issue(new CertificateMint.Spec
        {
            Subject = $"CN={name}.certheal.test",
            DnsNames = ["localhost"],
            IpAddresses = [IPAddress.Loopback],
            OcspUrl = OcspUrl(leafOcsp, leafOcspPort, "leaf.ocsp"),
            CrlUrls = CrlUrl(leafCrl, "intermediate.crl"),
        }, intermediate);

        var revokedAt = DateTime.UtcNow.AddHours(-2);
        if (leafOcsp == Answer.Real)
        {
            sync.Add(await OpenSslOcspResponder.StartAsync(leafOcspPort, intermediate, [(leaf, leafRevoked ? revokedAt : null, leafRevoked ? "keyCompromise" : null)]));
        }
        if (intermediateOcsp == Answer.Real)
        {
            sync.Add(await OpenSslOcspResponder.StartAsync(intermediateOcspPort, root,
                [(intermediate, intermediateRevoked ? revokedAt : null, intermediateRevoked ? "cACompromise" : null)]));
        }
        Serve(http, "leaf.ocsp", leafOcsp, OcspLimit);
        Serve(http, "intermediate.ocsp", intermediateOcsp, OcspLimit);
        ServeCrl(http, "intermediate.crl", leafCrl, intermediate, leafRevoked ? leaf : null, revokedAt);
        ServeCrl(http, "root.crl", intermediateCrl, root, intermediateRevoked ? intermediate : null, revokedAt);

        var result = new RevocationLab { Root = root, Intermediate = intermediate, Leaf = leaf, Http = http };
        result._async.AddRange(lab);
        result._sync.AddRange(sync);
        return result;
    }

    private const long OcspLimit = 1024 * 1024;
    private const long CrlLimit = 10 * 1024 * 1024;

    /// <summary>Starts the TLS server presenting leaf + intermediate.</summary>
    public RevocationLab WithServer()
    {
        Server = LabTlsServer.Start(new LabTlsServerOptions { Certificate = Leaf, Chain = [Intermediate] });
        _async.Add(Server);
        return this;
    }

    private static string Slow(List<IAsyncDisposable> lab)
    {
        // Accepts, reads nothing, answers nothing: only the client's time cap ends the request.
        var listener = new LabListener(async (_, token) => await Task.Delay(Timeout.Infinite, token));
        lab.Add(listener);
        return $"http://127.0.0.1:{listener.Port}/slow";
    }

    private static void Serve(LabHttpServer http, string path, Answer answer, long limit)
    {
        if (answer == Answer.Oversized)
        {
            http.Map(path, new LabHttpServer.Route([], "application/ocsp-response", StreamBytes: limit + 256 * 1024, Headers: Declared(limit + 256 * 1024)));
        }
        else if (answer == Answer.Malformed)
        {
            http.Map(path, new LabHttpServer.Route(Malformed(), "application/ocsp-response"));
        }
    }

    // The oversized answers declare their length: streaming 10 MiB inside the 1 s cap is a race a loaded
    // machine loses (AiaLimitTests covers the undeclared, streamed case with a cap that allows it).
    private static Dictionary<string, string> Declared(long bytes) => new() { ["Content-Length"] = bytes.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    /// <summary>DER-looking garbage: a SEQUENCE header whose content is random.</summary>
    internal static byte[] Malformed()
    {
        var body = RandomNumberGenerator.GetBytes(300);
        body[0] = 0x30;
        body[1] = 0x82;
        body[2] = 0x01;
        body[3] = 0x28;
        return body;
    }

    private static void ServeCrl(LabHttpServer http, string path, Answer answer, X509Certificate2 issuer, X509Certificate2? revoked, DateTime revokedAt)
    {
        switch (answer)
        {
            case Answer.Real:
                http.Map(path, new LabHttpServer.Route(Crl(issuer, revoked, revokedAt), "application/pkix-crl"));
                break;
            case Answer.Oversized:
                http.Map(path, new LabHttpServer.Route([], "application/pkix-crl", StreamBytes: CrlLimit + 256 * 1024, Headers: Declared(CrlLimit + 256 * 1024)));
                break;
            case Answer.Malformed:
                http.Map(path, new LabHttpServer.Route(Malformed(), "application/pkix-crl"));
                break;
        }
    }

    /// <summary>A CRL signed by <paramref name="issuer"/>, valid for an hour, listing <paramref name="revoked"/> (keyCompromise).</summary>
    internal static byte[] Crl(X509Certificate2 issuer, X509Certificate2? revoked, DateTime revokedAt)
    {
        var builder = new CertificateRevocationListBuilder();
        if (revoked is not null)
        {
            builder.AddEntry(revoked, revokedAt, X509RevocationReason.KeyCompromise);
        }
        return builder.Build(issuer, BigInteger.One, DateTimeOffset.UtcNow.AddHours(1), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1,
            DateTimeOffset.UtcNow.AddMinutes(-1));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var item in _sync)
        {
            item.Dispose();
        }
        foreach (var item in _async)
        {
            await item.DisposeAsync();
        }
    }
}
