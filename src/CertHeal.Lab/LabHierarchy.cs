using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Lab;

/// <summary>A root and the intermediate it signed: the private PKI one lab run trusts.</summary>
public sealed class LabHierarchy : IDisposable
{
    public required X509Certificate2 Root { get; init; }
    public required X509Certificate2 Intermediate { get; init; }
    public required string Name { get; init; }

    /// <summary>Mints a root (20 years) and an intermediate (10 years) named after <paramref name="name"/>.</summary>
    public static LabHierarchy Create(string name, KeyKind key = KeyKind.EcdsaP256, string? intermediateCaIssuersUrl = null)
    {
        var now = DateTimeOffset.UtcNow;
        var root = CertificateMint.Issue(new CertificateMint.Spec
        {
            Subject = $"CN={name} Root CA, O=CertHeal Lab",
            Key = key,
            IsCertificateAuthority = true,
            NotBefore = now.AddYears(-1),
            NotAfter = now.AddYears(20),
        });
        var intermediate = CertificateMint.Issue(new CertificateMint.Spec
        {
            Subject = $"CN={name} Issuing CA 1, O=CertHeal Lab",
            Key = key,
            IsCertificateAuthority = true,
            NotBefore = now.AddYears(-1),
            NotAfter = now.AddYears(10),
            CaIssuersUrl = intermediateCaIssuersUrl,
        }, root);
        return new LabHierarchy { Root = root, Intermediate = intermediate, Name = name };
    }

    /// <summary>Issues a server leaf from the intermediate.</summary>
    public X509Certificate2 IssueLeaf(LeafSpec spec) => CertificateMint.Issue(spec.ToMintSpec(), Intermediate);

    public void Dispose()
    {
        Root.Dispose();
        Intermediate.Dispose();
    }
}
