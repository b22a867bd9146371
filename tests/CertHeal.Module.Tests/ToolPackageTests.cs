using System.IO.Compression;
using System.Xml.Linq;

namespace CertHeal.Module.Tests;

/// <summary>
/// The CLI as people install it: `dotnet pack` makes a dotnet tool package, and
/// `dotnet tool install --add-source folder` installs it offline and runs it.
/// </summary>
public sealed class ToolPackageTests
{
    private static string ManifestVersion =>
        System.Text.RegularExpressions.Regex.Match(File.ReadAllText(Path.Combine(ModuleMetadata.RepoRoot, "CertHeal.psd1")),
            @"ModuleVersion\s*=\s*'([0-9.]+)'").Groups[1].Value;

    [Fact]
    public void The_tool_package_installs_offline_and_prints_the_module_version()
    {
        var work = Directory.CreateTempSubdirectory("certheal-tool-");
        try
        {
            var feed = Path.Combine(work.FullName, "feed");
            var pack = Processes.Run("dotnet", ["pack", "src/CertHeal.Cli", "-c", Processes.Configuration, "--no-build", "-o", feed]);
            Assert.True(pack.Code == 0, pack.Stdout + pack.Stderr);
            var nupkg = Assert.Single(Directory.GetFiles(feed, "CertHeal.Cli.*.nupkg"));
            Assert.Equal($"CertHeal.Cli.{ManifestVersion}.nupkg", Path.GetFileName(nupkg));
            using (var zip = ZipFile.OpenRead(nupkg))
            {
                var nuspec = XDocument.Load(zip.GetEntry("CertHeal.Cli.nuspec")!.Open());
                var ns = nuspec.Root!.Name.Namespace;
                Assert.Equal(ManifestVersion, nuspec.Root.Element(ns + "metadata")!.Element(ns + "version")!.Value);
                Assert.Contains(zip.Entries, e => e.FullName.EndsWith("DotnetToolSettings.xml", StringComparison.Ordinal));
                Assert.Contains(zip.Entries, e => e.FullName.EndsWith("/certheal.dll", StringComparison.Ordinal));
            }

            var tools = Path.Combine(work.FullName, "tools");
            var install = Processes.Run("dotnet", ["tool", "install", "CertHeal.Cli", "--tool-path", tools, "--add-source", feed, "--version", ManifestVersion],
                workingDirectory: work.FullName);
            Assert.True(install.Code == 0, install.Stdout + install.Stderr);

            var certheal = Path.Combine(tools, OperatingSystem.IsWindows() ? "certheal.exe" : "certheal");
            var version = Processes.Run(certheal, ["--version"], workingDirectory: work.FullName);
            Assert.Equal(0, version.Code);
            Assert.Equal(ManifestVersion, version.Stdout.Trim());

            var help = Processes.Run(certheal, ["merge", "--help"], workingDirectory: work.FullName);
            Assert.Equal(0, help.Code);
            Assert.Contains("certheal merge <keystore>", help.Stdout);
            Assert.DoesNotContain("certheal test <target>", help.Stdout);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }
}
