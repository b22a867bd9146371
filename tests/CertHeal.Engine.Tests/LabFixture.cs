using CertHeal.Lab;
using CertHeal.Trust;

namespace CertHeal.Tests;

/// <summary>One lab (PKI + scratch folder) per test class; the trusted lab root stands in for "the system".</summary>
public sealed class LabFixture : IAsyncLifetime
{
    public Lab.Lab Lab { get; } = CertHeal.Lab.Lab.Create();

    public TrustAnchors Trust => TrustAnchors.FromCertificates("Lab roots", Lab.TrustedRoots.Cast<System.Security.Cryptography.X509Certificates.X509Certificate2>(), isSystem: true);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await Lab.DisposeAsync();
}
