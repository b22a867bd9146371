using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.PowerShell.Tests.Harness;

/// <summary>
/// One lab (private PKI, loopback servers, scratch folder) per test class: `IClassFixture&lt;PsLab&gt;`.
/// The lab's "trusted" root is not in the machine's store, so tests hand it to the cmdlets as a
/// keystore (<see cref="TrustedRootPem"/>: -Keystore) or seed a keystore with it.
/// </summary>
public sealed class PsLab : IAsyncLifetime
{
    public CertHeal.Lab.Lab Lab { get; } = CertHeal.Lab.Lab.Create();

    /// <summary>A PEM file holding the lab's trusted root.</summary>
    public string TrustedRootPem => field ??= Lab.WriteTrustedRootPem();

    /// <summary>A new empty folder inside the lab's scratch folder.</summary>
    public string NewFolder(string? name = null)
    {
        var path = Path.Combine(Lab.Folder, name ?? "t-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(path);
        return path;
    }

    public static string Sha256(X509Certificate2 certificate) => Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA256));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await Lab.DisposeAsync();
}
