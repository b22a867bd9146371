using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Lab;
using CertHeal.Trust;

namespace CertHeal.Tests.Trust;

/// <summary>
/// CertHeal reads the machine's roots from their files itself (the CLI keeps .NET's own copy empty in
/// a probe run, MachineStoreBypass): what it reads must be what .NET reads from the same files.
/// </summary>
public sealed class MachineStoreFilesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("certheal-machine-store-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Fingerprint(X509Certificate2 certificate) => Convert.ToHexString(SHA256.HashData(certificate.RawData));

    [SkippableFact]
    public void The_machine_store_read_from_its_files_is_the_one_dotnet_reads()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the machine store is read from files only on Linux");
        // This test process keeps .NET's own reading (only the CLI's probe runs turn it off), so the
        // runtime's machine store is the reference.
        using var root = new X509Store(StoreName.Root, StoreLocation.LocalMachine);
        root.Open(OpenFlags.ReadOnly);
        using var intermediate = new X509Store(StoreName.CertificateAuthority, StoreLocation.LocalMachine);
        intermediate.Open(OpenFlags.ReadOnly);
        Skip.If(root.Certificates.Count == 0, "this machine has no CA store (install ca-certificates)");

        var system = TrustAnchors.System;

        Assert.Equal(root.Certificates.Select(Fingerprint).Order(), system.Roots.Select(Fingerprint).Order());
        Assert.Equal(intermediate.Certificates.Select(Fingerprint).Order(), system.Intermediates.Select(Fingerprint).Order());
    }

    [Fact]
    public void Links_copies_DER_files_and_trusted_certificate_blocks_are_read_as_dotnet_reads_them()
    {
        using var a = LabHierarchy.Create("Machine Store A");
        using var b = LabHierarchy.Create("Machine Store B");
        using var c = LabHierarchy.Create("Machine Store C");
        var certs = Path.Combine(_folder, "certs");
        var shared = Path.Combine(_folder, "share");
        Directory.CreateDirectory(certs);
        Directory.CreateDirectory(shared);
        // The Debian shape: the bundle, a .pem link to the shared file it was made from, a hash link to that link.
        var bundle = Path.Combine(_folder, "bundle.crt");
        File.WriteAllText(bundle, a.Root.ExportCertificatePem() + "\n" + a.Intermediate.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(shared, "a.crt"), a.Root.ExportCertificatePem() + "\n");
        File.CreateSymbolicLink(Path.Combine(certs, "a.pem"), Path.Combine(shared, "a.crt"));
        File.CreateSymbolicLink(Path.Combine(certs, "1a2b3c4d.0"), "a.pem");
        // A plain copy, a DER file, OpenSSL's TRUSTED CERTIFICATE form (skipped, as .NET skips it), and junk.
        File.WriteAllText(Path.Combine(certs, "a-copy.pem"), a.Root.ExportCertificatePem());
        File.WriteAllBytes(Path.Combine(certs, "b.der"), b.Root.RawData);
        File.WriteAllText(Path.Combine(certs, "c.pem"), PemEncoding.WriteString("TRUSTED CERTIFICATE", c.Root.RawData));
        File.WriteAllText(Path.Combine(certs, "README"), "not a certificate\n");
        File.WriteAllBytes(Path.Combine(certs, "zero"), []);

        var anchors = TrustAnchors.FromMachineFiles(bundle, [certs]);

        Assert.NotNull(anchors);
        Assert.True(anchors.IsSystem);
        Assert.Equal(new[] { a.Root, b.Root }.Select(Fingerprint).Order(), anchors.Roots.Select(Fingerprint).Order());
        Assert.Equal([Fingerprint(a.Intermediate)], anchors.Intermediates.Select(Fingerprint));
    }

    [Fact]
    public void A_store_with_no_certificate_reads_as_none()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_folder, "empty")).FullName;
        File.WriteAllText(Path.Combine(empty, "README"), "nothing here\n");

        Assert.Null(TrustAnchors.FromMachineFiles(Path.Combine(_folder, "missing.crt"), [empty, Path.Combine(_folder, "missing")]));
    }
}
