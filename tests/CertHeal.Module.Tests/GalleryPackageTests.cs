using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace CertHeal.Module.Tests;

/// <summary>
/// The PowerShell Gallery package as CI can build it without pwsh (tools/Gallery): exactly the
/// module's files at the root, and a nuspec whose version and metadata are the manifest's.
/// </summary>
public sealed class GalleryPackageTests
{
    [Fact]
    public void The_gallery_nupkg_holds_exactly_the_module_and_agrees_with_the_manifest()
    {
        var manifest = File.ReadAllText(Path.Combine(ModuleMetadata.RepoRoot, "CertHeal.psd1"));
        string Field(string name) => Regex.Match(manifest, name + @"\s*=\s*'([^']*)'").Groups[1].Value;
        var version = Field("ModuleVersion");
        var feed = Directory.CreateTempSubdirectory("certheal-gallery-");
        try
        {
            var pack = Processes.Run("dotnet", ["pack", "tools/Gallery", "-c", Processes.Configuration, "--no-build", "-o", feed.FullName]);
            Assert.True(pack.Code == 0, pack.Stdout + pack.Stderr);
            var nupkg = Assert.Single(Directory.GetFiles(feed.FullName, "*.nupkg"));
            Assert.Equal($"CertHeal.{version}.nupkg", Path.GetFileName(nupkg));

            using var zip = ZipFile.OpenRead(nupkg);
            var files = zip.Entries.Select(e => e.FullName)
                .Where(n => !n.StartsWith("_rels/", StringComparison.Ordinal) && !n.StartsWith("package/", StringComparison.Ordinal) && n != "[Content_Types].xml")
                .Order(StringComparer.Ordinal).ToList();
            Assert.Equal(new[]
            {
                "BouncyCastle.Cryptography.dll", "CertHeal.Engine.dll", "CertHeal.Format.ps1xml", "CertHeal.Types.ps1xml", "CertHeal.dll", "CertHeal.nuspec", "CertHeal.psd1",
                "LICENSE", "en-US/CertHeal.dll-Help.xml", "en-US/about_CertHeal.help.txt",
            }.Order(StringComparer.Ordinal), files);

            // The packaged manifest is the repository's, byte for byte.
            using (var packaged = new StreamReader(zip.GetEntry("CertHeal.psd1")!.Open()))
            {
                Assert.Equal(manifest, packaged.ReadToEnd());
            }
            var nuspec = XDocument.Load(zip.GetEntry("CertHeal.nuspec")!.Open());
            var ns = nuspec.Root!.Name.Namespace;
            var metadata = nuspec.Root.Element(ns + "metadata")!;
            Assert.Equal("CertHeal", metadata.Element(ns + "id")!.Value);
            Assert.Equal(version, metadata.Element(ns + "version")!.Value);
            Assert.Equal(Field("ProjectUri"), metadata.Element(ns + "projectUrl")!.Value);
            Assert.Equal(Field("LicenseUri"), metadata.Element(ns + "licenseUrl")!.Value);
            Assert.Equal(Field("ReleaseNotes"), metadata.Element(ns + "releaseNotes")!.Value);
            var tags = metadata.Element(ns + "tags")!.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Contains("PSModule", tags);
            Assert.Contains("TLS", tags);
            foreach (var cmdlet in Regex.Matches(Regex.Match(manifest, @"CmdletsToExport\s*=\s*@\(([^)]*)\)").Groups[1].Value, "'([^']+)'").Select(m => m.Groups[1].Value))
            {
                Assert.Contains("PSCmdlet_" + cmdlet, tags);
            }
        }
        finally
        {
            feed.Delete(recursive: true);
        }
    }
}
