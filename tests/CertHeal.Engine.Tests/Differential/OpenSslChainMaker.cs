using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Tests.Differential;

/// <summary>
/// Chains made by the openssl command line (req -x509, x509 -req with extension files), the way
/// operators and test suites make them, so the corpus does not only hold what .NET encodes.
/// </summary>
internal static class OpenSslChainMaker
{
    private sealed record Step(string Name, string Subject, string Extensions, string? Issuer, string Digest = "sha256");

    public static async Task<IReadOnlyList<ChainCase>> BuildAsync(string work)
    {
        var folder = Directory.CreateDirectory(Path.Combine(work, "openssl-made")).FullName;
        const string ca = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n";
        const string leaf = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:www.example.com\n";
        Step[] steps =
        [
            new("root", "/CN=OpenSSL Made Root", ca, null),
            new("inter", "/CN=OpenSSL Made Intermediate", ca, "root"),
            new("leaf", "/CN=www.example.com", leaf, "inter"),
            new("pl0", "/CN=OpenSSL Made PathLen0", "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n", "root"),
            new("below-pl0", "/CN=OpenSSL Made Below PathLen0", ca, "pl0"),
            new("leaf-below-pl0", "/CN=www.example.com", leaf, "below-pl0"),
            new("nc", "/CN=OpenSSL Made NC", ca + "nameConstraints=critical,permitted;DNS:example.com\n", "root"),
            new("leaf-nc-ok", "/CN=www.example.com", leaf, "nc"),
            new("leaf-nc-bad", "/CN=www.other.test", leaf.Replace("DNS:www.example.com", "DNS:www.other.test", StringComparison.Ordinal), "nc"),
            new("ncx", "/CN=OpenSSL Made NC Excluded", ca + "nameConstraints=critical,excluded;DNS:example.com\n", "root"),
            new("leaf-ncx", "/CN=www.example.com", leaf, "ncx"),
            new("leaf-client", "/CN=www.example.com", leaf.Replace("extendedKeyUsage=serverAuth", "extendedKeyUsage=clientAuth", StringComparison.Ordinal), "inter"),
            new("leaf-critical", "/CN=www.example.com", leaf + "1.3.6.1.4.1.55555.9=critical,ASN1:NULL\n", "inter"),
            new("inter-sha1", "/CN=OpenSSL Made SHA1 Intermediate", ca, "root", "sha1"),
            new("leaf-under-sha1", "/CN=www.example.com", leaf, "inter-sha1"),
            new("leaf-cn-only", "/CN=www.example.com", "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n", "inter"),
        ];
        foreach (var step in steps)
        {
            var key = Path.Combine(folder, step.Name + ".key");
            var cert = Path.Combine(folder, step.Name + ".pem");
            var ext = Path.Combine(folder, step.Name + ".ext");
            await File.WriteAllTextAsync(ext, step.Extensions);
            await Run(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key]);
            if (step.Issuer is null)
            {
                await Run(["req", "-x509", "-new", "-key", key, "-subj", step.Subject, "-days", "365", $"-{step.Digest}", "-extensions", "v3", "-config", Config(folder, step)]);
                File.Move(Path.Combine(folder, step.Name + ".tmp.pem"), cert);
            }
            else
            {
                var csr = Path.Combine(folder, step.Name + ".csr");
                await Run(["req", "-new", "-key", key, "-subj", step.Subject, "-out", csr]);
                await Run(["x509", "-req", "-in", csr, "-CA", Path.Combine(folder, step.Issuer + ".pem"), "-CAkey", Path.Combine(folder, step.Issuer + ".key"),
                    "-set_serial", (Array.IndexOf(steps, step) + 1000).ToString(System.Globalization.CultureInfo.InvariantCulture), "-days", "200", $"-{step.Digest}",
                    "-extfile", ext, "-out", cert]);
            }
        }
        X509Certificate2 Load(string name) => X509Certificate2.CreateFromPemFile(Path.Combine(folder, name + ".pem"), Path.Combine(folder, name + ".key"));
        var root = Load("root");
        ChainCase Case(string name, string rule, string[] chain, string host = ChainCorpus.Host) =>
            new($"{name}/openssl", rule, chain.Select(Load).ToArray(), [root], host);
        return
        [
            Case("good", "valid path", ["leaf", "inter"]),
            Case("pathlen0-exceeded", "path length", ["leaf-below-pl0", "below-pl0", "pl0"]),
            Case("nc-dns-permitted-ok", "name constraints (DNS permitted)", ["leaf-nc-ok", "nc"]),
            Case("nc-dns-permitted-violated", "name constraints (DNS permitted)", ["leaf-nc-bad", "nc"], "www.other.test"),
            Case("nc-dns-excluded-violated", "name constraints (DNS excluded)", ["leaf-ncx", "ncx"]),
            Case("leaf-eku-clientauth", "extended key usage", ["leaf-client", "inter"]),
            Case("leaf-unknown-critical", "unknown critical extension", ["leaf-critical", "inter"]),
            Case("ca-sha1", "signature digest", ["leaf-under-sha1", "inter-sha1"]),
            Case("cn-only", "host name from the CN (no SAN)", ["leaf-cn-only", "inter"]),
            Case("host-mismatch", "host name", ["leaf", "inter"], "api.example.org"),
            Case("incomplete-chain", "path to an anchor", ["leaf"]),
        ];
    }

    private static string Config(string folder, Step step)
    {
        var path = Path.Combine(folder, step.Name + ".cnf");
        File.WriteAllText(path, $"[req]\ndistinguished_name=dn\n[dn]\n[v3]\n{step.Extensions}subjectKeyIdentifier=hash\n");
        return path;
    }

    private static async Task Run(string[] args)
    {
        var list = args.ToList();
        if (list[0] == "req" && list.Contains("-x509"))
        {
            var name = Path.GetFileNameWithoutExtension(list[list.IndexOf("-key") + 1]);
            list.AddRange(["-out", Path.Combine(Path.GetDirectoryName(list[list.IndexOf("-key") + 1])!, name + ".tmp.pem")]);
        }
        var (code, _, stderr) = await Tools.RunAsync("openssl", list, timeoutSeconds: 30);
        Assert.True(code == 0, $"openssl {string.Join(' ', list)} failed: {stderr}");
    }
}
