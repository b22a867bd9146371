namespace CertHeal.PowerShell.Tests.Harness;

/// <summary>
/// The module folder as it ships (src/CertHeal's AssembleModule target, copied beside the tests
/// by this project's CopyShippedModule target): CertHeal.psd1, the dlls, the format file, en-US help.
/// </summary>
public static class ShippedModule
{
    public static string Folder { get; } = Path.Combine(AppContext.BaseDirectory, "CertHeal");

    public static string Manifest { get; } = Path.Combine(Folder, "CertHeal.psd1");

    /// <summary>The repository root (the folder with CertHeal.sln), for README, tests/*.Tests.ps1 and the CLI.</summary>
    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CertHeal.sln")))
            {
                dir = dir.Parent;
            }
            return dir?.FullName ?? throw new InvalidOperationException("CertHeal.sln not found above the test folder.");
        }
    }
}
