using System.Security.Cryptography;
using CertHeal.Keystores;

namespace CertHeal.Tests.NoWeakening;

/// <summary>A store kind under test: how certheal is told its format and password, and how to fingerprint it byte for byte.</summary>
internal sealed record TrustStoreKind(string Name, KeystoreFormat Format, string FileName, string? Password)
{
    public const string StorePassword = "changeit";

    public static readonly TrustStoreKind[] All =
    [
        new("pem", KeystoreFormat.PemBundle, "store.pem", null),
        new("folder", KeystoreFormat.Directory, "certs", null),
        new("pkcs12", KeystoreFormat.Pkcs12, "store.p12", StorePassword),
        new("jks", KeystoreFormat.Jks, "store.jks", StorePassword),
    ];

    public override string ToString() => Name;

    /// <summary>certheal's options for this store.</summary>
    public string[] Options => [
        "--format", Format.ToString(),
        .. Password is null ? Array.Empty<string>() : ["--password", Password],
    ];

    /// <summary>Every byte of the store (a folder: each file's name and content, links included), and whether a backup appeared.</summary>
    public static string Digest(string path)
    {
        if (Directory.Exists(path))
        {
            var parts = Directory.GetFiles(path).Order(StringComparer.Ordinal)
                .Select(f => Path.GetFileName(f) + ":" + Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))) + ":" + new FileInfo(f).LinkTarget);
            return string.Join("\n", parts);
        }
        return Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
    }

    /// <summary>Copies the pristine store for one merge mode (a folder with its hash links as links).</summary>
    public static void Copy(string from, string to)
    {
        if (Directory.Exists(from))
        {
            Directory.CreateDirectory(to);
            foreach (var file in Directory.GetFiles(from))
            {
                var target = Path.Combine(to, Path.GetFileName(file));
                if (new FileInfo(file).LinkTarget is { } link)
                {
                    File.CreateSymbolicLink(target, link);
                }
                else
                {
                    File.Copy(file, target);
                }
            }
            return;
        }
        File.Copy(from, to);
    }
}
