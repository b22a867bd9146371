using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Keystores;

namespace CertHeal.Tests.Keystores;

/// <summary>Fresh NSS databases made by certutil itself, and certutil's own view of them, for the NSS tests.</summary>
internal static class NssTestKit
{
    public static bool Has(string tool) => (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, tool)));

    public const string Missing = "needs NSS's tools (certutil, tstclnt, vfychain): install libnss3-tools";

    public static bool Available => Has("certutil") && Has("tstclnt") && Has("vfychain");

    /// <summary>`certutil -N --empty-password` in a new folder, as Firefox and Chromium make their databases.</summary>
    public static async Task<string> NewDatabase(string parent, string name = "nssdb")
    {
        var folder = Path.Combine(parent, name);
        Directory.CreateDirectory(folder);
        var made = await Tools.RunAsync("certutil", ["-N", "-d", "sql:" + folder, "--empty-password"]);
        Assert.True(made.Code == 0, made.Stderr);
        return folder;
    }

    /// <summary>certutil -L: every nickname with its trust flags.</summary>
    public static async Task<Dictionary<string, string>> Listing(string folder)
    {
        var listed = await Tools.RunAsync("certutil", ["-L", "-d", "sql:" + folder]);
        Assert.True(listed.Code == 0, $"certutil -L failed on {folder}: {listed.Stderr}");
        return NssCertificateStoreBackend.ParseListing(listed.Stdout).ToDictionary(e => e.Nickname, e => e.Trust, StringComparer.Ordinal);
    }

    /// <summary>The SHA-256 fingerprints certutil holds, sorted (each nickname's certificates through -L -n -a).</summary>
    public static async Task<List<string>> Fingerprints(string folder)
    {
        var fingerprints = new List<string>();
        foreach (var nickname in (await Listing(folder)).Keys)
        {
            var pem = await Tools.RunAsync("certutil", ["-L", "-d", "sql:" + folder, "-n", nickname, "-a"]);
            Assert.True(pem.Code == 0, pem.Stderr);
            var collection = new X509Certificate2Collection();
            collection.ImportFromPem(pem.Stdout);
            fingerprints.AddRange(collection.Select(c => Convert.ToHexString(SHA256.HashData(c.RawData))));
        }
        return fingerprints.Order(StringComparer.Ordinal).ToList();
    }

    public static async Task Add(string folder, X509Certificate2 certificate, string nickname, string trust)
    {
        var file = Path.Combine(Path.GetTempPath(), $"certheal-nss-{Guid.NewGuid():N}.pem");
        File.WriteAllText(file, certificate.ExportCertificatePem());
        try
        {
            var added = await Tools.RunAsync("certutil", ["-A", "-d", "sql:" + folder, "-n", nickname, "-t", trust, "-a", "-i", file]);
            Assert.True(added.Code == 0, added.Stderr);
        }
        finally
        {
            File.Delete(file);
        }
    }

    public static MergeOptions Pinning(params X509Certificate2[] anchors) => new()
    {
        Policy = CertHeal.TrustPolicy.Pinned,
        TrustedFingerprints = [.. anchors.Select(CertificateFacts.Sha256Fingerprint)],
        Revocation = CertHeal.RevocationCheckMode.Off,
    };

    /// <summary>Every file of the database folder (not CertHeal's .certheal state) with its bytes' hash and write time.</summary>
    public static Dictionary<string, (string Hash, DateTime Written)> Snapshot(string folder) =>
        Directory.GetFiles(folder).ToDictionary(f => Path.GetFileName(f), f => (Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))), File.GetLastWriteTimeUtc(f)));
}
