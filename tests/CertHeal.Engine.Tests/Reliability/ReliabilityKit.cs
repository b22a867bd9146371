using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Keystores;

namespace CertHeal.Tests.Reliability;

/// <summary>
/// Shared by the reliability suite: cheap certificates (ECDSA P-256, minted once per run and
/// cached), the certheal CLI as a killable process, and entry-set snapshots of a keystore.
/// </summary>
internal static class ReliabilityKit
{
    /// <summary>The keystore password every reliability test uses; the secrets tests search for it everywhere.</summary>
    public const string Password = "Rel1abil1ty-S3cret-Pw-93F0";
    public const string PasswordVariable = "CERTHEAL_RELIABILITY_PW";

    private static readonly ConcurrentDictionary<string, X509Certificate2[]> Cache = new();

    /// <summary>
    /// <paramref name="count"/> distinct self-signed CA certificates named after <paramref name="tag"/>,
    /// minted once per test run (a 2,000-entry keystore costs about a second to mint).
    /// </summary>
    public static X509Certificate2[] Certificates(string tag, int count) => Cache.GetOrAdd($"{tag}/{count}", _ =>
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var notBefore = DateTimeOffset.UtcNow.AddDays(-1);
        return Enumerable.Range(0, count).Select(i =>
        {
            var request = new CertificateRequest($"CN=Reliability {tag} {i:D5}, O=CertHeal Lab", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
            using var certificate = request.CreateSelfSigned(notBefore, notBefore.AddYears(3));
            return X509CertificateLoader.LoadCertificate(certificate.RawData);
        }).ToArray();
    });

    public static string NewFolder(string name)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"certheal-rel-{name}-{Guid.NewGuid().ToString("N")[..6]}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    public static void WritePemBundle(string path, IEnumerable<X509Certificate2> certificates) =>
        File.WriteAllText(path, string.Concat(certificates.Select(c => c.ExportCertificatePem() + "\n")));

    /// <summary>A keystore holding exactly <paramref name="certificates"/>, written through the one write path.</summary>
    public static void CreateStore(string path, IEnumerable<X509Certificate2> certificates)
    {
        using var pw = KeystorePassword.FromString(Password);
        KeystoreFile.Update(path, null, pw, keystore => Keystores.KeystoreTestKit.AddTo(keystore, certificates));
    }

    /// <summary>The SHA-256 of every certificate entry, sorted; duplicates stay visible as repeated rows.</summary>
    public static List<string> EntrySet(string path)
    {
        using var pw = KeystorePassword.FromString(Password);
        var keystore = KeystoreFile.Open(path, null, pw);
        return keystore.Entries.Select(e => Convert.ToHexString(SHA256.HashData(e.Certificate!.RawData))).Order(StringComparer.Ordinal).ToList();
    }

    public static List<string> Fingerprints(IEnumerable<X509Certificate2> certificates) =>
        certificates.Select(c => Convert.ToHexString(SHA256.HashData(c.RawData))).Order(StringComparer.Ordinal).ToList();

    /// <summary>Temporary files of the one write path (`.name.xxxxxxxx.tmp`) beside <paramref name="path"/>.</summary>
    public static string[] TemporaryFiles(string path) =>
        Directory.GetFiles(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + ".*.tmp");

    /// <summary>How many entries keytool lists (it must open the file with the password).</summary>
    public static async Task<int> KeytoolCount(string path, string storeType)
    {
        var (code, stdout, stderr) = await Tools.RunAsync("keytool", ["-list", "-keystore", path, "-storetype", storeType, "-storepass", Password], timeoutSeconds: 120);
        Assert.True(code == 0, $"keytool could not open {path}: {stdout}{stderr}");
        return stdout.Split('\n').Count(l => l.Contains("trustedCertEntry", StringComparison.Ordinal));
    }

    /// <summary>How many certificates openssl reads from a PEM bundle or a PKCS#12 file.</summary>
    public static async Task<int> OpenSslCount(string path, bool pkcs12)
    {
        var (code, stdout, stderr) = pkcs12
            ? await Tools.RunAsync("openssl", ["pkcs12", "-in", path, "-nokeys", "-passin", "pass:" + Password], timeoutSeconds: 120)
            : await Tools.RunAsync("openssl", ["crl2pkcs7", "-nocrl", "-certfile", path], timeoutSeconds: 120);
        Assert.True(code == 0, $"openssl could not open {path}: {stderr}");
        if (!pkcs12)
        {
            var (c2, listed, e2) = await Tools.RunAsync("openssl", ["pkcs7", "-print_certs", "-noout"], stdin: stdout, timeoutSeconds: 120);
            Assert.True(c2 == 0, e2);
            return listed.Split('\n').Count(l => l.StartsWith("subject=", StringComparison.Ordinal));
        }
        return stdout.Split('\n').Count(l => l.StartsWith("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal));
    }

    private static string CliDll => Path.Combine(AppContext.BaseDirectory, "certheal.dll");

    /// <summary>The environment every certheal run of the suite gets: the password (never on the command line) and the caller's extras.</summary>
    private static Dictionary<string, string> CliEnvironment(IDictionary<string, string>? extra)
    {
        var environment = new Dictionary<string, string> { [PasswordVariable] = Password, ["DOTNET_TieredPGO"] = "0" };
        foreach (var (name, value) in extra ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }
        return environment;
    }

    /// <summary>certheal as its own process, for tests that kill it or watch it while it runs.</summary>
    public static Process StartCli(IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(CliDll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        foreach (var (name, value) in CliEnvironment(environment))
        {
            info.Environment[name] = value;
        }
        var process = Process.Start(info)!;
        process.StandardInput.Close();
        return process;
    }

    public static Task<(int Code, string Stdout, string Stderr)> RunCliAsync(IEnumerable<string> args, IDictionary<string, string>? environment = null, int timeoutSeconds = 120) =>
        Tools.RunAsync("dotnet", [CliDll, .. args], stdin: "", timeoutSeconds: timeoutSeconds, environment: CliEnvironment(environment));

    /// <summary>Merge arguments that add every certificate file (new anchors need --force; the test decides trust, not the policy).</summary>
    public static string[] MergeArgs(string store, params string[] certificateFiles) =>
        ["merge", store, .. certificateFiles, "--policy", "TrustOnFirstUse", "--force", "--password-env", PasswordVariable];

    /// <summary>Exit code of a process killed by SIGKILL as .NET reports it (128 + 9).</summary>
    public const int KilledExitCode = 137;
}
