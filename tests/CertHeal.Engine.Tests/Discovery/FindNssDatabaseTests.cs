using CertHeal.Discovery;
using CertHeal.Keystores;
using CertHeal.Lab;
using CertHeal.Tests.Keystores;

namespace CertHeal.Tests.Discovery;

/// <summary>
/// Find-Keystore's NSS databases on a planted home made with certutil: a Firefox profile named in
/// profiles.ini, a second one found only by its folder, a snap Firefox's profile, Chromium's
/// ~/.pki/nssdb and a system database; each as `sql:DIR` with the new kind and its consumer,
/// readable (entry count) and writable, and a -Path scan names the database, not its SQLite files.
/// </summary>
public sealed class FindNssDatabaseTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("certheal-find-nss-").FullName;

    private string Home => Path.Combine(_root, "home");

    [SkippableFact]
    public async Task Firefox_profiles_the_pki_nssdb_and_the_system_database_are_found_as_NssDatabase()
    {
        Skip.IfNot(NssTestKit.Available, NssTestKit.Missing);
        var firefox = Path.Combine(Home, ".mozilla", "firefox");
        var named = await NssTestKit.NewDatabase(firefox, "abcd1234.default-release");
        var unlisted = await NssTestKit.NewDatabase(firefox, "wxyz9876.work");
        Directory.CreateDirectory(Path.Combine(firefox, "Crash Reports"));
        File.WriteAllText(Path.Combine(firefox, "profiles.ini"),
            "[Install4F96D1932A9F858E]\nDefault=abcd1234.default-release\n\n[Profile0]\nName=default-release\nIsRelative=1\nPath=abcd1234.default-release\nDefault=1\n\n[General]\nStartWithLastProfile=1\nVersion=2\n");
        var snap = await NssTestKit.NewDatabase(Path.Combine(Home, "snap", "firefox", "common", ".mozilla", "firefox"), "snap0001.default");
        var pki = await NssTestKit.NewDatabase(Path.Combine(Home, ".pki"), "nssdb");
        var system = await NssTestKit.NewDatabase(Path.Combine(_root, "etc", "pki"), "nssdb");
        using (var lab = LabHierarchy.Create("Find Nss"))
        {
            await NssTestKit.Add(pki, lab.Root, "Lab Root", "C,,");
        }
        var environment = new DiscoveryEnvironment
        {
            Variables = new Dictionary<string, string> { ["HOME"] = Home, ["PATH"] = System.Environment.GetEnvironmentVariable("PATH") ?? "" },
            Home = Home,
            NssSystemDatabases = [system, Path.Combine(_root, "missing")],
            OpenSsl = Path.Combine(_root, "no-openssl-here"),
        };

        var found = KeystoreFinder.Find(new FindOptions(), environment).Where(l => l.Kind == KeystoreKind.NssDatabase).ToList();

        Assert.Equal(5, found.Count);
        Assert.All(found, l =>
        {
            Assert.Equal("Nss", l.Format);
            Assert.True(l.Writable, $"{l.Path} is reported read-only");
            Assert.StartsWith("sql:/", l.Path, StringComparison.Ordinal);
        });
        var profile = Assert.Single(found, l => l.Path == "sql:" + named);
        Assert.Equal(["Firefox profile default-release"], profile.Consumer);
        Assert.Contains(profile.FoundBy, f => f.StartsWith("profiles.ini", StringComparison.Ordinal));
        Assert.Equal(["Firefox profile wxyz9876.work"], Assert.Single(found, l => l.Path == "sql:" + unlisted).Consumer);
        Assert.Equal(["Firefox profile snap0001.default"], Assert.Single(found, l => l.Path == "sql:" + snap).Consumer);
        var chromium = Assert.Single(found, l => l.Path == "sql:" + pki);
        Assert.Equal(["Chromium/Chrome, NSS tools (this user)"], chromium.Consumer);
        Assert.Equal(1, chromium.EntryCount);
        Assert.Single(found, l => l.Path == "sql:" + system);

        var scanned = KeystoreFinder.Find(new FindOptions { Paths = [Home] }, environment);

        Assert.Equal(4, scanned.Count(l => l.Kind == KeystoreKind.NssDatabase));
        Assert.DoesNotContain(scanned, l => l.Path.EndsWith(".db", StringComparison.Ordinal) || l.Path.EndsWith("pkcs11.txt", StringComparison.Ordinal));
        // Reading found nothing to change: no state folder was made in any database.
        Assert.All(found, l => Assert.False(Directory.Exists(Path.Combine(NssDatabase.FolderOf(l.Path), ".certheal"))));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
