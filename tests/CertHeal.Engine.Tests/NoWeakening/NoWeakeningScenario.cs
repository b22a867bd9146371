using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Trust;
using CertHeal.Trust.Distrust;
using CertHeal.Tests.Differential;

namespace CertHeal.Tests.NoWeakening;

/// <summary>What a scenario's server sends: its leaf (with key), the certificates after it, and the CA a sibling leaf is issued by.</summary>
internal sealed record ServedChain(X509Certificate2 Leaf, IReadOnlyList<X509Certificate2> Sent, X509Certificate2 IssuingCa, IReadOnlyList<X509Certificate2> CasBelowRoot);

/// <summary>
/// One row of the no-weakening matrix. <paramref name="HealCanHelp"/>: a merge may write (the
/// incomplete-chain control); otherwise the store must stay byte-identical. The revoked,
/// blocked-key and distrusted-root scenarios are rows to add here: <paramref name="Build"/> gets the
/// store's root and a function that publishes a certificate by AIA (its URL), and returns what the
/// server sends.
/// </summary>
/// <param name="Publish">Serves bytes over loopback HTTP and returns their URL (AIA certificates, CRLs).</param>
/// <param name="Distrust">A test distrust list for the store's root, applied to the in-process merges.</param>
internal sealed record NoWeakeningScenario(string Name, bool HealCanHelp, Func<X509Certificate2, Func<byte[], string>, ServedChain> Build,
    Func<X509Certificate2, DistrustList>? Distrust = null)
{
    public override string ToString() => Name;

    private static LabChainMint.Spec Ca(string name) => new() { Subject = $"CN=NoWeakening {name} CA", Ca = true };

    private static LabChainMint.Spec Leaf(string name) => new() { Subject = $"CN=NoWeakening {name} leaf" };

    /// <summary>root, one CA below it made from <paramref name="ca"/>, a leaf made from <paramref name="leaf"/>; the server sends leaf and CA.</summary>
    private static ServedChain OneCa(X509Certificate2 root, LabChainMint.Spec ca, LabChainMint.Spec leaf)
    {
        var intermediate = LabChainMint.Issue(ca, root);
        return new ServedChain(LabChainMint.Issue(leaf, intermediate), [LabChainMint.Public(intermediate)], intermediate, [intermediate]);
    }

    public static readonly NoWeakeningScenario[] All =
    [
        new("incomplete-chain", true, (root, publish) =>
        {
            var intermediate = LabChainMint.Issue(Ca("Incomplete"), root);
            var leaf = LabChainMint.Issue(new LabChainMint.Spec { Subject = "CN=NoWeakening Incomplete leaf", CaIssuersUrl = publish(intermediate.RawData) }, intermediate);
            return new ServedChain(leaf, [], intermediate, [intermediate]);
        }),
        new("sha1-intermediate", false, (root, _) => OneCa(root, Ca("SHA1") with { Sha1 = true }, Leaf("SHA1"))),
        new("rsa1024-ca", false, (root, _) => OneCa(root, Ca("RSA1024") with { Rsa1024 = true }, Leaf("RSA1024"))),
        new("pathlen-violation", false, (root, _) =>
        {
            var pathLenZero = LabChainMint.Issue(Ca("PathLen0") with { PathLength = 0 }, root);
            var below = LabChainMint.Issue(Ca("Below PathLen0"), pathLenZero);
            return new ServedChain(LabChainMint.Issue(Leaf("PathLen"), below), [LabChainMint.Public(below), LabChainMint.Public(pathLenZero)], below, [below, pathLenZero]);
        }),
        new("name-constraint-violation", false, (root, _) => OneCa(root,
            Ca("NameConstrained") with { NameConstraints = ChainCorpus.NameConstraintsDer(permittedDns: ["example.com"]) },
            Leaf("NameConstraint") with { Dns = ["www.other.test"] })),
        new("expired-leaf", false, (root, _) => OneCa(root, Ca("ExpiredLeaf"),
            Leaf("Expired") with { NotBefore = DateTimeOffset.UtcNow.AddDays(-60), NotAfter = DateTimeOffset.UtcNow.AddDays(-1) })),
        new("wrong-host", false, (root, _) => OneCa(root, Ca("WrongHost"), Leaf("WrongHost") with { Dns = ["www.example.com"], LoopbackIp = false })),
        // Revoked by its root's CRL (served on loopback): clients that do not check revocation
        // accept it before; no merge may make it an anchor.
        new("revoked-ca", false, (root, publish) =>
        {
            var serial = RandomNumberGenerator.GetBytes(16);
            serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
            var crl = new CertificateRevocationListBuilder();
            crl.AddEntry(serial, DateTimeOffset.UtcNow.AddHours(-1), X509RevocationReason.KeyCompromise);
            var url = publish(crl.Build(root, BigInteger.One, DateTimeOffset.UtcNow.AddDays(7), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
            return OneCa(root, Ca("Revoked") with { Serial = serial, CrlUrl = url }, Leaf("Revoked"));
        }),
        // A CA under the store's root carrying Superfish's real public key (Chromium's blocklist,
        // built into CertHeal): its leaves cannot verify, and no merge may write it.
        new("blocked-key-ca", false, (root, _) =>
        {
            var superfish = X509CertificateLoader.LoadCertificateFromFile(
                Path.GetFullPath(Path.Combine(Tools.RepoRoot, "tests", "Shared", "blocked", "superfish.pem")));
            var blocked = LabChainMint.Issue(Ca("Blocked") with { PublicKeyOf = superfish }, root);
            return new ServedChain(LabChainMint.Issue(Leaf("Blocked"), blocked), [blocked], blocked, [blocked]);
        }),
        // The store's root, distrusted by every program for leaves issued after yesterday (a test
        // list: real distrusted roots' keys are nobody's to sign with here).
        new("distrusted-root", false, (root, _) => OneCa(root, Ca("Distrusted"), Leaf("Distrusted")),
            root => new DistrustList([], TrustAnchors.AllFamilies.Select(family => new DistrustedRoot("test", family,
                CertificateFacts.Sha256Fingerprint(root), DateTime.UtcNow.AddDays(-30), DistrustBasis.NotBefore, root.Subject, "test list")))),
    ];
}
