using System.Net;

namespace CertHeal.Lab;

/// <summary>What a lab server's own certificate says: names, validity, key, AIA.</summary>
public sealed class LeafSpec
{
    public string CommonName { get; init; } = "localhost";
    public IReadOnlyList<string> DnsNames { get; init; } = ["localhost"];
    public IReadOnlyList<IPAddress> IpAddresses { get; init; } = [IPAddress.Loopback, IPAddress.IPv6Loopback];
    public DateTimeOffset NotBefore { get; init; } = DateTimeOffset.UtcNow.AddDays(-1);
    public DateTimeOffset NotAfter { get; init; } = DateTimeOffset.UtcNow.AddDays(90);
    public KeyKind Key { get; init; } = KeyKind.EcdsaP256;
    public string? CaIssuersUrl { get; init; }
    public IReadOnlyList<string> MoreCaIssuersUrls { get; init; } = [];

    internal CertificateMint.Spec ToMintSpec() => new()
    {
        Subject = $"CN={CommonName}, O=CertHeal Lab",
        Key = Key,
        DnsNames = DnsNames,
        IpAddresses = IpAddresses,
        NotBefore = NotBefore,
        NotAfter = NotAfter,
        CaIssuersUrl = CaIssuersUrl,
        MoreCaIssuersUrls = MoreCaIssuersUrls,
    };
}
