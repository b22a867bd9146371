using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Tests.Differential;

/// <summary>One generated chain: what the server presents (leaf first, the leaf with its key), what the client trusts, the name it connects to.</summary>
internal sealed record ChainCase(string Name, string Rule, IReadOnlyList<X509Certificate2> Presented, IReadOnlyList<X509Certificate2> Anchors, string Host,
    bool ClientCertificate = false)
{
    public bool HostIsIp => IPAddress.TryParse(Host, out _);
    public bool HasNonRootAnchor => Anchors.Any(a => a.SubjectName.RawData.AsSpan().SequenceEqual(a.IssuerName.RawData) is false);
}

/// <summary>
/// Mints the differential corpus: chains that each exercise one rule clients apply, on its pass
/// and its fail side, in several key and anchor variants. Made with .NET's CertificateRequest
/// (signing through a raw generator, so nothing checks the issuer's own extensions) and, for
/// the name-constraint and SHA-1 cases, with the openssl command line.
/// </summary>
internal sealed class ChainCorpus
{
    public const string Host = "www.example.com";
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";
    private const string AnyEku = "2.5.29.37.0";
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private readonly Dictionary<string, AsymmetricAlgorithm> keys = new();
    private int serial = 1;

    /// <summary>Key flavours a whole chain is minted in; a rule that is about the key (RSA 1024) overrides its own certificate.</summary>
    public enum Flavour { EcP256, Rsa2048, EcP384Sha384 }

    public IReadOnlyList<ChainCase> Build()
    {
        var cases = new List<ChainCase>();
        foreach (var flavour in Enum.GetValues<Flavour>())
        {
            cases.AddRange(Scenarios(flavour));
        }
        cases.AddRange(PartialChainScenarios());
        return cases;
    }

    /// <summary>Client certificates as a server judges them (clientAuth usage; no name check).</summary>
    public IReadOnlyList<ChainCase> BuildClientCertificates()
    {
        var cases = new List<ChainCase>();
        foreach (var f in new[] { Flavour.EcP256, Flavour.Rsa2048 })
        {
            var suffix = f == Flavour.EcP256 ? "ec256" : "rsa2048";
            var root = Mint(new Cert { Subject = $"CN=Client Root {suffix}", Ca = true }, null, f, "root");
            var inter = Mint(new Cert { Subject = $"CN=Client Intermediate {suffix}", Ca = true }, root, f, "inter");
            ChainCase Case(string name, string rule, Node leaf, Node issuer, Node? anchor = null) =>
                new($"client-{name}/{suffix}", rule, [leaf.Certificate, issuer.Certificate], [(anchor ?? root).Certificate], "client.example.com", ClientCertificate: true);
            Cert Leaf() => new() { Subject = "CN=client.example.com", Ca = false };
            cases.Add(Case("good", "clientAuth", Mint(Leaf(), inter, f, "leaf", ekus: [ClientAuth]), inter));
            cases.Add(Case("eku-server-only", "clientAuth", Mint(Leaf(), inter, f, "leaf", ekus: [ServerAuth]), inter));
            cases.Add(Case("eku-absent", "clientAuth absent", Mint(Leaf(), inter, f, "leaf", ekus: []), inter));
            cases.Add(Case("eku-any-only", "anyExtendedKeyUsage", Mint(Leaf(), inter, f, "leaf", ekus: [AnyEku]), inter));
            cases.Add(Case("ku-certsign-only", "key usage of a client", Mint(Leaf(), inter, f, "leaf", ekus: [ClientAuth], ku: X509KeyUsageFlags.KeyCertSign), inter));
            var serverCa = Mint(new Cert { Subject = $"CN=Client ServerAuth CA {suffix}", Ca = true, Ekus = [ServerAuth] }, root, f, "inter2");
            cases.Add(Case("ca-eku-serverauth", "extended key usage on a CA", Mint(Leaf(), serverCa, f, "leaf", ekus: [ClientAuth]), serverCa));
            var clientCa = Mint(new Cert { Subject = $"CN=Client ClientAuth CA {suffix}", Ca = true, Ekus = [ClientAuth] }, root, f, "inter2");
            cases.Add(Case("ca-eku-clientauth", "extended key usage on a CA", Mint(Leaf(), clientCa, f, "leaf", ekus: [ClientAuth]), clientCa));
            var pl0 = Mint(new Cert { Subject = $"CN=Client PathLen0 {suffix}", Ca = true, PathLength = 0 }, root, f, "inter2");
            var below = Mint(new Cert { Subject = $"CN=Client Below PathLen0 {suffix}", Ca = true }, pl0, f, "inter");
            cases.Add(new($"client-pathlen0-exceeded/{suffix}", "path length", [Mint(Leaf(), below, f, "leaf", ekus: [ClientAuth]).Certificate, below.Certificate, pl0.Certificate],
                [root.Certificate], "client.example.com", ClientCertificate: true));
            cases.Add(Case("expired", "validity", Mint(Leaf(), inter, f, "leaf", ekus: [ClientAuth], notBefore: Now.AddDays(-30), notAfter: Now.AddDays(-1)), inter));
        }
        return cases;
    }

    private sealed record Node(X509Certificate2 Certificate, AsymmetricAlgorithm Key);

    /// <summary>Everything a certificate in a lab chain can vary.</summary>
    private sealed class Cert
    {
        public required string Subject { get; init; }
        public bool? Ca { get; init; }
        public bool OmitBasicConstraints { get; init; }
        public int? PathLength { get; init; }
        public X509KeyUsageFlags? KeyUsage { get; init; }
        public string[]? Ekus { get; init; }
        public string[] Dns { get; init; } = [];
        public IPAddress[] Ips { get; init; } = [];
        public string[] Emails { get; init; } = [];
        public byte[]? NameConstraints { get; init; }
        public X509Extension[] Extra { get; init; } = [];
        public DateTimeOffset? NotBefore { get; init; }
        public DateTimeOffset? NotAfter { get; init; }
        public byte[]? Serial { get; init; }
        public HashAlgorithmName? Hash { get; init; }
        public bool CorruptSignature { get; init; }
    }

    private IEnumerable<ChainCase> Scenarios(Flavour f)
    {
        var suffix = f switch { Flavour.EcP256 => "ec256", Flavour.Rsa2048 => "rsa2048", _ => "ec384" };
        ChainCase Case(string name, string rule, IReadOnlyList<Node> presented, IReadOnlyList<Node> anchors, string host = Host) =>
            new($"{name}/{suffix}", rule, presented.Select(n => n.Certificate).ToArray(), anchors.Select(n => n.Certificate).ToArray(), host);

        Cert Leaf() => new() { Subject = $"CN={Host}", Ca = false, Dns = [Host] };

        var root = Mint(new Cert { Subject = $"CN=Diff Root {suffix}", Ca = true }, null, f, "root");
        var inter = Mint(new Cert { Subject = $"CN=Diff Intermediate {suffix}", Ca = true }, root, f, "inter");
        var goodLeaf = Mint(Leaf(), inter, f, "leaf");

        // Baseline and shapes that pass.
        yield return Case("good", "valid path", [goodLeaf, inter], [root]);
        yield return Case("good-root-sent", "valid path, root sent too", [goodLeaf, inter, root], [root]);
        yield return Case("leaf-under-root", "valid path, no intermediate", [Mint(Leaf(), root, f, "leaf")], [root]);
        var inter2 = Mint(new Cert { Subject = $"CN=Diff Second CA {suffix}", Ca = true }, inter, f, "inter2");
        yield return Case("two-intermediates", "valid path of four", [Mint(Leaf(), inter2, f, "leaf"), inter2, inter], [root]);

        // Basic constraints and path length (RFC 5280 4.2.1.9, 6.1.4 (k)-(m)).
        var pl0 = Mint(new Cert { Subject = $"CN=Diff PathLen0 {suffix}", Ca = true, PathLength = 0 }, root, f, "inter");
        var belowPl0 = Mint(new Cert { Subject = $"CN=Diff Below PathLen0 {suffix}", Ca = true }, pl0, f, "inter2");
        yield return Case("pathlen0-exceeded", "path length", [Mint(Leaf(), belowPl0, f, "leaf"), belowPl0, pl0], [root]);
        yield return Case("pathlen0-ok", "path length", [Mint(Leaf(), pl0, f, "leaf"), pl0], [root]);
        var pl1 = Mint(new Cert { Subject = $"CN=Diff PathLen1 {suffix}", Ca = true, PathLength = 1 }, root, f, "inter");
        var belowPl1 = Mint(new Cert { Subject = $"CN=Diff Below PathLen1 {suffix}", Ca = true }, pl1, f, "inter2");
        yield return Case("pathlen1-ok", "path length", [Mint(Leaf(), belowPl1, f, "leaf"), belowPl1, pl1], [root]);
        var rootPl0 = Mint(new Cert { Subject = $"CN=Diff Root PathLen0 {suffix}", Ca = true, PathLength = 0 }, null, f, "root");
        var underRootPl0 = Mint(new Cert { Subject = $"CN=Diff Under Root PathLen0 {suffix}", Ca = true }, rootPl0, f, "inter");
        yield return Case("root-pathlen0-exceeded", "path length on the anchor", [Mint(Leaf(), underRootPl0, f, "leaf"), underRootPl0], [rootPl0]);
        var notCa = Mint(new Cert { Subject = $"CN=Diff Not A CA {suffix}", Ca = false }, root, f, "inter");
        yield return Case("intermediate-not-ca", "basic constraints cA", [Mint(Leaf(), notCa, f, "leaf"), notCa], [root]);
        var noBc = Mint(new Cert { Subject = $"CN=Diff No BasicConstraints {suffix}", OmitBasicConstraints = true, KeyUsage = X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign }, root, f, "inter");
        yield return Case("intermediate-no-bc", "basic constraints absent", [Mint(Leaf(), noBc, f, "leaf"), noBc], [root]);

        // Key usage (RFC 5280 4.2.1.3) and extended key usage (4.2.1.12; CA/B BR 7.1.2).
        var noCertSign = Mint(new Cert { Subject = $"CN=Diff No CertSign {suffix}", Ca = true, KeyUsage = X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.CrlSign }, root, f, "inter");
        yield return Case("ca-ku-no-certsign", "key usage keyCertSign", [Mint(Leaf(), noCertSign, f, "leaf"), noCertSign], [root]);
        yield return Case("leaf-eku-clientauth", "extended key usage", [Mint(Leaf(), inter, f, "leaf", ekus: [ClientAuth]), inter], [root]);
        yield return Case("leaf-eku-server-client", "extended key usage", [Mint(Leaf(), inter, f, "leaf", ekus: [ServerAuth, ClientAuth]), inter], [root]);
        yield return Case("leaf-eku-absent", "extended key usage absent", [Mint(Leaf(), inter, f, "leaf", ekus: []), inter], [root]);
        yield return Case("leaf-eku-any-only", "anyExtendedKeyUsage", [Mint(Leaf(), inter, f, "leaf", ekus: [AnyEku]), inter], [root]);
        yield return Case("leaf-eku-any-and-server", "anyExtendedKeyUsage", [Mint(Leaf(), inter, f, "leaf", ekus: [ServerAuth, AnyEku]), inter], [root]);
        var caClientOnly = Mint(new Cert { Subject = $"CN=Diff ClientAuth CA {suffix}", Ca = true, Ekus = [ClientAuth] }, root, f, "inter");
        yield return Case("ca-eku-clientauth", "extended key usage on a CA", [Mint(Leaf(), caClientOnly, f, "leaf"), caClientOnly], [root]);
        var caServer = Mint(new Cert { Subject = $"CN=Diff ServerAuth CA {suffix}", Ca = true, Ekus = [ServerAuth] }, root, f, "inter");
        yield return Case("ca-eku-serverauth", "extended key usage on a CA", [Mint(Leaf(), caServer, f, "leaf"), caServer], [root]);
        yield return Case("leaf-ku-certsign-only", "key usage of a server", [Mint(Leaf(), inter, f, "leaf", ku: X509KeyUsageFlags.KeyCertSign), inter], [root]);
        yield return Case("leaf-ku-absent", "key usage absent", [Mint(Leaf(), inter, f, "leaf", ku: X509KeyUsageFlags.None), inter], [root]);

        // Name constraints (RFC 5280 4.2.1.10): DNS, IP, email, directory name; on an intermediate and on the anchor.
        Node NcCa(string tag, byte[] nc, Node issuer, string key) =>
            Mint(new Cert { Subject = $"CN=Diff NC {tag} {suffix}", Ca = true, NameConstraints = nc }, issuer, f, key);
        var ncExample = NcCa("permit example.com", NameConstraintsDer(permittedDns: ["example.com"]), root, "inter");
        yield return Case("nc-dns-permitted-ok", "name constraints (DNS permitted)", [Mint(Leaf(), ncExample, f, "leaf"), ncExample], [root]);
        var otherLeaf = Mint(new Cert { Subject = "CN=www.other.test", Ca = false, Dns = ["www.other.test"] }, ncExample, f, "leaf");
        yield return Case("nc-dns-permitted-violated", "name constraints (DNS permitted)", [otherLeaf, ncExample], [root], "www.other.test");
        var mixedLeaf = Mint(new Cert { Subject = $"CN={Host}", Ca = false, Dns = [Host, "www.other.test"] }, ncExample, f, "leaf");
        yield return Case("nc-dns-second-san-violated", "name constraints (every SAN)", [mixedLeaf, ncExample], [root]);
        var ncExcluded = NcCa("exclude example.com", NameConstraintsDer(excludedDns: ["example.com"]), root, "inter");
        yield return Case("nc-dns-excluded-violated", "name constraints (DNS excluded)", [Mint(Leaf(), ncExcluded, f, "leaf"), ncExcluded], [root]);
        var ncExcludedOther = NcCa("exclude other.test", NameConstraintsDer(excludedDns: ["other.test"]), root, "inter");
        yield return Case("nc-dns-excluded-ok", "name constraints (DNS excluded)", [Mint(Leaf(), ncExcludedOther, f, "leaf"), ncExcludedOther], [root]);
        var ncIp = NcCa("permit 127/8", NameConstraintsDer(permittedIps: [(IPAddress.Parse("127.0.0.0"), IPAddress.Parse("255.0.0.0"))]), root, "inter");
        var ipLeaf = Mint(new Cert { Subject = "CN=127.0.0.1", Ca = false, Ips = [IPAddress.Loopback] }, ncIp, f, "leaf");
        yield return Case("nc-ip-permitted-ok", "name constraints (IP permitted)", [ipLeaf, ncIp], [root], "127.0.0.1");
        var ncIp10 = NcCa("permit 10/8", NameConstraintsDer(permittedIps: [(IPAddress.Parse("10.0.0.0"), IPAddress.Parse("255.0.0.0"))]), root, "inter");
        yield return Case("nc-ip-permitted-violated", "name constraints (IP permitted)",
            [Mint(new Cert { Subject = "CN=127.0.0.1", Ca = false, Ips = [IPAddress.Loopback] }, ncIp10, f, "leaf"), ncIp10], [root], "127.0.0.1");
        var ncEmail = NcCa("permit email example.com", NameConstraintsDer(permittedEmail: ["example.com"]), root, "inter");
        yield return Case("nc-email-ok", "name constraints (email permitted)",
            [Mint(new Cert { Subject = $"CN={Host}", Ca = false, Dns = [Host], Emails = ["ops@example.com"] }, ncEmail, f, "leaf"), ncEmail], [root]);
        yield return Case("nc-email-violated", "name constraints (email permitted)",
            [Mint(new Cert { Subject = $"CN={Host}", Ca = false, Dns = [Host], Emails = ["ops@other.test"] }, ncEmail, f, "leaf"), ncEmail], [root]);
        var ncDir = NcCa("permit O=Example", NameConstraintsDer(permittedDirectory: "O=Example"), root, "inter");
        yield return Case("nc-dirname-ok", "name constraints (directory name permitted)",
            [Mint(new Cert { Subject = $"CN={Host}, O=Example", Ca = false, Dns = [Host] }, ncDir, f, "leaf"), ncDir], [root]);
        yield return Case("nc-dirname-violated", "name constraints (directory name permitted)",
            [Mint(new Cert { Subject = $"CN={Host}, O=Other", Ca = false, Dns = [Host] }, ncDir, f, "leaf"), ncDir], [root]);
        var ncRoot = Mint(new Cert { Subject = $"CN=Diff NC Root {suffix}", Ca = true, NameConstraints = NameConstraintsDer(permittedDns: ["other.test"]) }, null, f, "root");
        var underNcRoot = Mint(new Cert { Subject = $"CN=Diff Under NC Root {suffix}", Ca = true }, ncRoot, f, "inter");
        yield return Case("nc-on-anchor-violated", "name constraints on the anchor", [Mint(Leaf(), underNcRoot, f, "leaf"), underNcRoot], [ncRoot]);
        var ncRootOk = Mint(new Cert { Subject = $"CN=Diff NC Root Ok {suffix}", Ca = true, NameConstraints = NameConstraintsDer(permittedDns: ["example.com"]) }, null, f, "root");
        var underNcRootOk = Mint(new Cert { Subject = $"CN=Diff Under NC Root Ok {suffix}", Ca = true }, ncRootOk, f, "inter");
        yield return Case("nc-on-anchor-ok", "name constraints on the anchor", [Mint(Leaf(), underNcRootOk, f, "leaf"), underNcRootOk], [ncRootOk]);
        var cnOnlyOther = Mint(new Cert { Subject = "CN=www.other.test", Ca = false }, ncExample, f, "leaf");
        yield return Case("nc-dns-cn-only-violated", "name constraints on a CN-only leaf", [cnOnlyOther, ncExample], [root], "www.other.test");

        // Critical extensions (RFC 5280 4.2: a certificate with an unrecognised critical extension must be rejected).
        var unknownCritical = new X509Extension("1.3.6.1.4.1.55555.1.1", [0x05, 0x00], critical: true);
        var unknownPlain = new X509Extension("1.3.6.1.4.1.55555.1.2", [0x05, 0x00], critical: false);
        yield return Case("leaf-unknown-critical", "unknown critical extension", [Mint(Leaf(), inter, f, "leaf", extra: [unknownCritical]), inter], [root]);
        yield return Case("leaf-unknown-noncritical", "unknown non-critical extension", [Mint(Leaf(), inter, f, "leaf", extra: [unknownPlain]), inter], [root]);
        var caCritical = Mint(new Cert { Subject = $"CN=Diff Critical CA {suffix}", Ca = true, Extra = [unknownCritical] }, root, f, "inter");
        yield return Case("ca-unknown-critical", "unknown critical extension on a CA", [Mint(Leaf(), caCritical, f, "leaf"), caCritical], [root]);

        // Validity (RFC 5280 6.1.3 (a)(2)), on each position.
        yield return Case("leaf-expired", "validity", [Mint(Leaf(), inter, f, "leaf", notBefore: Now.AddDays(-60), notAfter: Now.AddDays(-1)), inter], [root]);
        yield return Case("leaf-not-yet-valid", "validity", [Mint(Leaf(), inter, f, "leaf", notBefore: Now.AddDays(2), notAfter: Now.AddDays(60)), inter], [root]);
        var expiredInter = Mint(new Cert { Subject = $"CN=Diff Expired CA {suffix}", Ca = true, NotBefore = Now.AddDays(-90), NotAfter = Now.AddDays(-2) }, root, f, "inter");
        yield return Case("intermediate-expired", "validity", [Mint(Leaf(), expiredInter, f, "leaf"), expiredInter], [root]);
        var expiredRoot = Mint(new Cert { Subject = $"CN=Diff Expired Root {suffix}", Ca = true, NotBefore = Now.AddDays(-90), NotAfter = Now.AddDays(-2) }, null, f, "root");
        var underExpiredRoot = Mint(new Cert { Subject = $"CN=Diff Under Expired Root {suffix}", Ca = true }, expiredRoot, f, "inter");
        yield return Case("root-expired", "validity of the anchor", [Mint(Leaf(), underExpiredRoot, f, "leaf"), underExpiredRoot], [expiredRoot]);

        // Signatures and anchors.
        yield return Case("leaf-bad-signature", "signature", [Mint(Leaf(), inter, f, "leaf", corrupt: true), inter], [root]);
        var otherRoot = Mint(new Cert { Subject = $"CN=Diff Other Root {suffix}", Ca = true }, null, f, "root2");
        yield return Case("untrusted-root", "path to an anchor", [goodLeaf, inter, root], [otherRoot]);
        yield return Case("incomplete-chain", "path to an anchor", [goodLeaf], [root]);
        var selfSignedLeaf = Mint(new Cert { Subject = $"CN={Host}", Ca = false, Dns = [Host] }, null, f, "leaf");
        yield return Case("self-signed-untrusted", "path to an anchor", [selfSignedLeaf], [root]);

        // Names (RFC 6125 / RFC 9525; each family's SAN and CN rules).
        yield return Case("host-mismatch", "host name", [goodLeaf, inter], [root], "api.example.org");
        var wildcard = Mint(new Cert { Subject = "CN=*.example.com", Ca = false, Dns = ["*.example.com"] }, inter, f, "leaf");
        yield return Case("wildcard-ok", "host name (wildcard)", [wildcard, inter], [root]);
        yield return Case("wildcard-too-deep", "host name (wildcard)", [wildcard, inter], [root], "a.www.example.com");
        yield return Case("wildcard-apex", "host name (wildcard)", [wildcard, inter], [root], "example.com");
        var cnOnly = Mint(new Cert { Subject = $"CN={Host}", Ca = false }, inter, f, "leaf");
        yield return Case("cn-only", "host name from the CN (no SAN)", [cnOnly, inter], [root]);
        var sanElsewhereCnHost = Mint(new Cert { Subject = $"CN={Host}", Ca = false, Dns = ["api.example.com"] }, inter, f, "leaf");
        yield return Case("cn-ignored-with-san", "host name (SAN before CN)", [sanElsewhereCnHost, inter], [root]);
        var ipSan = Mint(new Cert { Subject = "CN=lab", Ca = false, Ips = [IPAddress.Loopback] }, inter, f, "leaf");
        yield return Case("ip-san-ok", "IP address", [ipSan, inter], [root], "127.0.0.1");
        var ipAsDns = Mint(new Cert { Subject = "CN=127.0.0.1", Ca = false, Dns = ["127.0.0.1"] }, inter, f, "leaf");
        yield return Case("ip-as-dns-san", "IP address (only an iPAddress SAN counts)", [ipAsDns, inter], [root], "127.0.0.1");
        yield return Case("ip-mismatch", "IP address", [ipSan, inter], [root], "127.0.0.2");

        // Malformed fields (RFC 5280 4.1.2.2 serial: positive, at most 20 octets; 4.1.2.4 issuer non-empty).
        yield return Case("serial-negative", "serial number", [Mint(Leaf(), inter, f, "leaf", serial: [0x80, 0x11, 0x22, 0x33]), inter], [root]);
        yield return Case("serial-21-octets", "serial number", [Mint(Leaf(), inter, f, "leaf", serial: [0x01, .. Enumerable.Range(0, 20).Select(i => (byte)(i + 1))]), inter], [root]);
        yield return Case("serial-20-octets", "serial number", [Mint(Leaf(), inter, f, "leaf", serial: [0x01, .. Enumerable.Range(0, 19).Select(i => (byte)(i + 1))]), inter], [root]);
        if (f == Flavour.EcP256)
        {
            // Once: the OpenSSL family follows curl here, not openssl verify (a listed exception).
            var emptyNameCa = Mint(new Cert { Subject = "", Ca = true }, root, f, "inter");
            yield return Case("empty-issuer", "issuer name", [Mint(Leaf(), emptyNameCa, f, "leaf"), emptyNameCa], [root]);
        }

        // Keys and digests (OpenSSL security level 2, Java's jdk.certpath.disabledAlgorithms).
        var weakLeaf = Mint(Leaf(), inter, f, "rsa1024");
        yield return Case("leaf-rsa1024", "key size", [weakLeaf, inter], [root]);
        var weakCa = Mint(new Cert { Subject = $"CN=Diff Weak CA {suffix}", Ca = true }, root, f, "rsa1024");
        yield return Case("ca-rsa1024", "key size", [Mint(Leaf(), weakCa, f, "leaf"), weakCa], [root]);
        var rsaRoot = Mint(new Cert { Subject = $"CN=Diff RSA Root {suffix}", Ca = true }, null, f, "rsa-root");
        var sha1Inter = Mint(new Cert { Subject = $"CN=Diff SHA1 CA {suffix}", Ca = true, Hash = HashAlgorithmName.SHA1 }, rsaRoot, f, "inter");
        yield return Case("ca-sha1", "signature digest", [Mint(Leaf(), sha1Inter, f, "leaf"), sha1Inter], [rsaRoot]);
        var rsaInter = Mint(new Cert { Subject = $"CN=Diff RSA CA {suffix}", Ca = true }, rsaRoot, f, "rsa-inter");
        yield return Case("leaf-sha1", "signature digest", [Mint(Leaf(), rsaInter, f, "leaf", hash: HashAlgorithmName.SHA1), rsaInter], [rsaRoot]);
        var sha1Root = Mint(new Cert { Subject = $"CN=Diff SHA1 Root {suffix}", Ca = true, Hash = HashAlgorithmName.SHA1 }, null, f, "rsa-root");
        var underSha1Root = Mint(new Cert { Subject = $"CN=Diff Under SHA1 Root {suffix}", Ca = true }, sha1Root, f, "inter");
        yield return Case("root-sha1-self-signature", "signature digest of the anchor itself", [Mint(Leaf(), underSha1Root, f, "leaf"), underSha1Root], [sha1Root]);
    }

    /// <summary>Stores whose entries are not all roots: curl (partial-chain), Java (every trustedCertEntry an anchor).</summary>
    private IEnumerable<ChainCase> PartialChainScenarios()
    {
        const Flavour f = Flavour.EcP256;
        var root = Mint(new Cert { Subject = "CN=Partial Root", Ca = true }, null, f, "root");
        var inter = Mint(new Cert { Subject = "CN=Partial Intermediate", Ca = true }, root, f, "inter");
        ChainCase Case(string name, string rule, IReadOnlyList<Node> presented, IReadOnlyList<Node> anchors, string host = Host) =>
            new($"{name}/partial", rule, presented.Select(n => n.Certificate).ToArray(), anchors.Select(n => n.Certificate).ToArray(), host);
        var leaf = Mint(new Cert { Subject = $"CN={Host}", Ca = false, Dns = [Host] }, inter, f, "leaf");
        yield return Case("intermediate-anchor", "partial chain to a non-root anchor", [leaf, inter], [inter]);
        yield return Case("intermediate-anchor-leaf-only", "partial chain to a non-root anchor", [leaf], [inter]);
        yield return Case("leaf-pinned", "the leaf itself is the anchor", [leaf], [leaf]);
        yield return Case("leaf-pinned-with-root", "the leaf itself is the anchor", [leaf, inter], [leaf, root]);
        var expiredLeaf = Mint(new Cert { Subject = $"CN={Host}", Ca = false, Dns = [Host], NotBefore = Now.AddDays(-30), NotAfter = Now.AddDays(-1) }, inter, f, "leaf");
        yield return Case("intermediate-anchor-expired-leaf", "validity under a non-root anchor", [expiredLeaf, inter], [inter]);
        var pl0 = Mint(new Cert { Subject = "CN=Partial PathLen0", Ca = true, PathLength = 0 }, root, f, "inter");
        var below = Mint(new Cert { Subject = "CN=Partial Below PathLen0", Ca = true }, pl0, f, "inter2");
        var belowLeaf = Mint(new Cert { Subject = $"CN={Host}", Ca = false, Dns = [Host] }, below, f, "leaf");
        yield return Case("intermediate-anchor-pathlen-exceeded", "path length under a non-root anchor", [belowLeaf, below, pl0], [pl0]);
        yield return Case("intermediate-anchor-pathlen-below", "path length above the anchor is not judged", [belowLeaf, below], [below]);
        var nc = Mint(new Cert { Subject = "CN=Partial NC", Ca = true, NameConstraints = NameConstraintsDer(permittedDns: ["other.test"]) }, root, f, "inter");
        var ncLeaf = Mint(new Cert { Subject = $"CN={Host}", Ca = false, Dns = [Host] }, nc, f, "leaf");
        yield return Case("nc-on-intermediate-anchor", "name constraints on a non-root anchor", [ncLeaf, nc], [nc]);
        yield return Case("nc-on-intermediate-with-root", "name constraints on an intermediate", [ncLeaf, nc], [root]);
        var clientCa = Mint(new Cert { Subject = "CN=Partial ClientAuth CA", Ca = true, Ekus = [ClientAuth] }, root, f, "inter");
        var clientCaLeaf = Mint(new Cert { Subject = $"CN={Host}", Ca = false, Dns = [Host] }, clientCa, f, "leaf");
        yield return Case("eku-on-intermediate-anchor", "extended key usage on a non-root anchor", [clientCaLeaf, clientCa], [clientCa]);
        var wrongLeaf = Mint(new Cert { Subject = $"CN={Host}", Ca = false, Dns = [Host], Ekus = [ClientAuth] }, inter, f, "leaf");
        yield return Case("intermediate-anchor-leaf-eku", "extended key usage under a non-root anchor", [wrongLeaf, inter], [inter]);
        yield return Case("intermediate-anchor-host-mismatch", "host name under a non-root anchor", [leaf, inter], [inter], "api.example.org");
    }

    private Node Mint(Cert spec, Node? issuer, Flavour flavour, string keyName,
        string[]? ekus = null, X509KeyUsageFlags? ku = null, X509Extension[]? extra = null, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null,
        bool corrupt = false, byte[]? serial = null, HashAlgorithmName? hash = null)
    {
        var key = Key(flavour, keyName);
        var digest = spec.Hash ?? hash ?? (flavour == Flavour.EcP384Sha384 ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256);
        var publicKey = key is RSA rsa ? new PublicKey(rsa) : new PublicKey((ECDsa)key);
        var request = new CertificateRequest(new X500DistinguishedName(spec.Subject), publicKey, digest);
        var ca = spec.Ca ?? false;
        if (!spec.OmitBasicConstraints)
        {
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, spec.PathLength.HasValue, spec.PathLength ?? 0, true));
        }
        var usage = spec.KeyUsage ?? ku ?? (ca || spec.OmitBasicConstraints
            ? X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign
            : X509KeyUsageFlags.DigitalSignature | (key is RSA ? X509KeyUsageFlags.KeyEncipherment : 0));
        if (usage != X509KeyUsageFlags.None)
        {
            request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        }
        var usages = spec.Ekus ?? ekus ?? (ca || spec.OmitBasicConstraints ? [] : [ServerAuth]);
        if (usages.Length > 0)
        {
            var oids = new OidCollection();
            foreach (var oid in usages)
            {
                oids.Add(new Oid(oid));
            }
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(oids, false));
        }
        if (spec.Dns.Length + spec.Ips.Length + spec.Emails.Length > 0)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var name in spec.Dns)
            {
                san.AddDnsName(name);
            }
            foreach (var ip in spec.Ips)
            {
                san.AddIpAddress(ip);
            }
            foreach (var email in spec.Emails)
            {
                san.AddEmailAddress(email);
            }
            request.CertificateExtensions.Add(san.Build());
        }
        if (spec.NameConstraints is { } nc)
        {
            request.CertificateExtensions.Add(new X509Extension("2.5.29.30", nc, critical: true));
        }
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(publicKey, false));
        foreach (var extension in spec.Extra.Concat(extra ?? []))
        {
            request.CertificateExtensions.Add(extension);
        }

        var signer = issuer?.Key ?? key;
        X509SignatureGenerator generator = signer switch
        {
            RSA r when digest == HashAlgorithmName.SHA1 => new CertHeal.Lab.Sha1RsaSignatureGenerator(r),
            RSA r => X509SignatureGenerator.CreateForRSA(r, RSASignaturePadding.Pkcs1),
            _ => X509SignatureGenerator.CreateForECDsa((ECDsa)signer),
        };
        var number = serial ?? Serial();
        using var issued = request.Create(issuer?.Certificate.SubjectName ?? request.SubjectName, generator,
            spec.NotBefore ?? notBefore ?? Now.AddDays(-1), spec.NotAfter ?? notAfter ?? Now.AddDays(365), number);
        var raw = issued.RawData;
        if (corrupt)
        {
            raw[^3] ^= 0x5A;
        }
        var certificate = X509CertificateLoader.LoadCertificate(raw);
        var withKey = key is RSA k ? certificate.CopyWithPrivateKey(k) : certificate.CopyWithPrivateKey((ECDsa)key);
        certificate.Dispose();
        return new Node(withKey, key);
    }

    private byte[] Serial()
    {
        var bytes = BitConverter.GetBytes(Interlocked.Increment(ref serial));
        Array.Reverse(bytes);
        return [0x10, .. bytes];
    }

    private AsymmetricAlgorithm Key(Flavour flavour, string name)
    {
        var id = name.StartsWith("rsa", StringComparison.Ordinal) ? name : $"{flavour}/{name}";
        if (!keys.TryGetValue(id, out var key))
        {
            key = name switch
            {
                "rsa1024" => RSA.Create(1024),
                _ when name.StartsWith("rsa", StringComparison.Ordinal) => RSA.Create(2048),
                _ => flavour switch
                {
                    Flavour.Rsa2048 => RSA.Create(2048),
                    Flavour.EcP384Sha384 => ECDsa.Create(ECCurve.NamedCurves.nistP384),
                    _ => ECDsa.Create(ECCurve.NamedCurves.nistP256),
                },
            };
            keys[id] = key;
        }
        return key;
    }

    /// <summary>The DER of a NameConstraints extension value (RFC 5280 4.2.1.10).</summary>
    internal static byte[] NameConstraintsDer(string[]? permittedDns = null, string[]? excludedDns = null,
        (IPAddress Address, IPAddress Mask)[]? permittedIps = null, string[]? permittedEmail = null, string? permittedDirectory = null)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            var permitted = (permittedDns?.Length ?? 0) + (permittedIps?.Length ?? 0) + (permittedEmail?.Length ?? 0) + (permittedDirectory is null ? 0 : 1);
            if (permitted > 0)
            {
                using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
                {
                    foreach (var dns in permittedDns ?? [])
                    {
                        using (writer.PushSequence())
                        {
                            writer.WriteCharacterString(UniversalTagNumber.IA5String, dns, new Asn1Tag(TagClass.ContextSpecific, 2));
                        }
                    }
                    foreach (var email in permittedEmail ?? [])
                    {
                        using (writer.PushSequence())
                        {
                            writer.WriteCharacterString(UniversalTagNumber.IA5String, email, new Asn1Tag(TagClass.ContextSpecific, 1));
                        }
                    }
                    foreach (var (address, mask) in permittedIps ?? [])
                    {
                        using (writer.PushSequence())
                        {
                            writer.WriteOctetString([.. address.GetAddressBytes(), .. mask.GetAddressBytes()], new Asn1Tag(TagClass.ContextSpecific, 7));
                        }
                    }
                    if (permittedDirectory is not null)
                    {
                        using (writer.PushSequence())
                        {
                            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 4, isConstructed: true)))
                            {
                                writer.WriteEncodedValue(new X500DistinguishedName(permittedDirectory).RawData);
                            }
                        }
                    }
                }
            }
            if (excludedDns is { Length: > 0 })
            {
                using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 1)))
                {
                    foreach (var dns in excludedDns)
                    {
                        using (writer.PushSequence())
                        {
                            writer.WriteCharacterString(UniversalTagNumber.IA5String, dns, new Asn1Tag(TagClass.ContextSpecific, 2));
                        }
                    }
                }
            }
        }
        return writer.Encode();
    }
}
