using System.Security.Cryptography.X509Certificates;
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
internal sealed record NoWeakeningScenario(string Name, bool HealCanHelp, Func<X509Certificate2, Func<X509Certificate2, string>, ServedChain> Build)
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
            var leaf = LabChainMint.Issue(new LabChainMint.Spec { Subject = "CN=NoWeakening Incomplete leaf", CaIssuersUrl = publish(intermediate) }, intermediate);
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
    ];
}
