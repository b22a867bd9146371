using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Keystores;
using CertHeal.Lab;
using CertHeal.Trust;

namespace CertHeal.Tests.Keystores;

/// <summary>A scratch folder and a few minted CA certificates per test class, plus helpers that drive the one write path.</summary>
public sealed class KeystoreTestKit : IDisposable
{
    public const string Password = "changeit";

    private readonly List<string> _immutable = [];

    public KeystoreTestKit()
    {
        Folder = Path.Combine(Path.GetTempPath(), "certheal-ks-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Folder);
        Hierarchy = LabHierarchy.Create("Keystore Kit");
        Certificates = Enumerable.Range(1, 6).Select(i => CertificateMint.Issue(new CertificateMint.Spec
        {
            Subject = $"CN=Kit Trust Anchor {i}, O=CertHeal Lab",
            IsCertificateAuthority = true,
            NotBefore = DateTimeOffset.UtcNow.AddDays(-1),
            NotAfter = DateTimeOffset.UtcNow.AddYears(5),
        })).ToArray();
    }

    public string Folder { get; }

    public LabHierarchy Hierarchy { get; }

    /// <summary>Six self-signed CA certificates (public part only is ever written).</summary>
    public X509Certificate2[] Certificates { get; }

    public string NewPath(string name) => Path.Combine(Folder, Guid.NewGuid().ToString("N")[..6] + "-" + name);

    public static KeystorePassword Pw() => KeystorePassword.FromString(Password);

    /// <summary>Adds the certificates not yet present, with derived aliases, through KeystoreFile.Update.</summary>
    public static KeystoreWriteResult Add(string path, KeystoreFormat? format, IEnumerable<X509Certificate2> certificates, SaveOptions? options = null, string password = Password)
    {
        using var pw = KeystorePassword.FromString(password);
        return KeystoreFile.Update(path, format, pw, keystore => AddTo(keystore, certificates), options);
    }

    public static bool AddTo(Keystore keystore, IEnumerable<X509Certificate2> certificates)
    {
        var aliases = keystore.Entries.Select(e => e.Alias).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var changed = false;
        foreach (var certificate in certificates)
        {
            if (keystore.TrustedEntries.Any(e => e.Certificate!.RawData.AsSpan().SequenceEqual(certificate.RawData)))
            {
                continue;
            }
            keystore.Entries.Add(new KeystoreEntry
            {
                Alias = KeystoreAliases.Derive(certificate, aliases),
                EntryType = KeystoreEntryType.TrustedCertificate,
                Certificate = X509CertificateLoader.LoadCertificate(certificate.RawData),
            });
            changed = true;
        }
        return changed;
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes));

    public string WritePem(X509Certificate2 certificate)
    {
        var path = NewPath("cert.pem");
        File.WriteAllText(path, CertificateMint.ToPem(certificate));
        return path;
    }

    /// <summary>Runs a tool (60 s limit) and fails the test with its output when it exits non-zero.</summary>
    /// <summary>Merge options that take whatever comes, judged against no system anchors.</summary>
    public static MergeOptions TrustOnFirstUse() => new() { Policy = TrustPolicy.TrustOnFirstUse, System = TrustAnchors.FromCertificates("none", []) };

    public static async Task<string> Run(string file, params string[] args)
    {
        var (code, stdout, stderr) = await Tools.RunAsync(file, args, timeoutSeconds: 60);
        Assert.True(code == 0, $"{file} {string.Join(' ', args)} exited {code}:\n{stdout}\n{stderr}");
        return stdout + stderr;
    }

    public static bool IsRoot => !OperatingSystem.IsWindows() && Environment.UserName == "root";

    /// <summary>
    /// Makes a file or folder unwritable even for root (chattr +i), because chmod does not stop
    /// root, and tests run as root in CI. False when the file system or capabilities refuse.
    /// </summary>
    public bool TryMakeImmutable(string path)
    {
        try
        {
            var result = Tools.RunAsync("chattr", ["+i", path], timeoutSeconds: 60).GetAwaiter().GetResult();
            if (result.Code == 0)
            {
                _immutable.Add(path);
                return true;
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // chattr is not installed.
        }
        return false;
    }

    public void Dispose()
    {
        foreach (var path in _immutable)
        {
            Tools.RunAsync("chattr", ["-i", path], timeoutSeconds: 60).GetAwaiter().GetResult();
        }
        if (!OperatingSystem.IsWindows())
        {
            foreach (var dir in Directory.EnumerateDirectories(Folder, "*", SearchOption.AllDirectories).Prepend(Folder))
            {
                File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // Scratch space; leaving it is harmless.
        }
        Hierarchy.Dispose();
    }
}
