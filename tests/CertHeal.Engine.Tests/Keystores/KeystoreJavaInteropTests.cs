using System.Security.Cryptography.X509Certificates;
using CertHeal.Keystores;

namespace CertHeal.Tests.Keystores;

/// <summary>What CertHeal writes, keytool, openssl and .NET read; what keytool and openssl write, CertHeal reads and keeps.</summary>
public sealed class KeystoreJavaInteropTests(KeystoreTestKit kit) : IClassFixture<KeystoreTestKit>
{
    private const string Pw = KeystoreTestKit.Password;

    [Theory]
    [InlineData("out.jks", "JKS")]
    [InlineData("out.p12", "PKCS12")]
    public async Task Keytool_lists_what_certheal_wrote_as_trusted_cert_entries(string name, string storeType)
    {
        var path = kit.NewPath(name);
        KeystoreTestKit.Add(path, null, kit.Certificates.Take(3));

        var list = await KeystoreTestKit.Run("keytool", "-list", "-keystore", path, "-storepass", Pw, "-storetype", storeType);

        Assert.Contains("Your keystore contains 3 entries", list);
        for (var i = 1; i <= 3; i++)
        {
            var line = list.Split('\n').Single(l => l.StartsWith($"kit-trust-anchor-{i},", StringComparison.Ordinal));
            Assert.Contains("trustedCertEntry", line);
        }
    }

    [Fact]
    public async Task Openssl_and_dotnet_read_the_pkcs12_certheal_wrote()
    {
        var path = kit.NewPath("out.p12");
        KeystoreTestKit.Add(path, null, kit.Certificates.Take(3));

        var output = await KeystoreTestKit.Run("openssl", "pkcs12", "-in", path, "-nokeys", "-passin", "pass:" + Pw);

        Assert.Equal(3, CountOf(output, "-----BEGIN CERTIFICATE-----"));
        Assert.Contains("friendlyName: kit-trust-anchor-2", output);
        var imported = new X509Certificate2Collection();
#pragma warning disable SYSLIB0057 // the brief asks for the classic Import, which is what older callers use
        imported.Import(File.ReadAllBytes(path), Pw, X509KeyStorageFlags.DefaultKeySet);
#pragma warning restore SYSLIB0057
        Assert.Equal(kit.Certificates.Take(3).Select(c => c.Thumbprint).Order(), imported.Select(c => c.Thumbprint).Order());
        Assert.Equal(3, X509CertificateLoader.LoadPkcs12Collection(File.ReadAllBytes(path), Pw).Count);
    }

    [Theory]
    [InlineData("JKS", "k.jks")]
    [InlineData("PKCS12", "k.p12")]
    public async Task A_keytool_key_entry_survives_an_added_trusted_entry_byte_for_byte(string storeType, string name)
    {
        var path = kit.NewPath(name);
        await KeystoreTestKit.Run("keytool", "-genkeypair", "-alias", "mykey", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=me", "-validity", "30",
            "-storetype", storeType, "-keystore", path, "-storepass", Pw, "-keypass", Pw);
        await KeystoreTestKit.Run("keytool", "-importcert", "-noprompt", "-alias", "existing-root", "-file", kit.WritePem(kit.Hierarchy.Root),
            "-storetype", storeType, "-keystore", path, "-storepass", Pw);
        var keyBefore = KeyEntry(path);
        var certificateBefore = KeystoreTestKit.Sha256(keyBefore.Certificate!.RawData);
        var protectedBefore = ProtectedKey(keyBefore);

        var result = KeystoreTestKit.Add(path, null, [kit.Certificates[0]]);

        Assert.True(result.Written);
        var listing = await KeystoreTestKit.Run("keytool", "-list", "-v", "-keystore", path, "-storepass", Pw, "-storetype", storeType);
        Assert.Contains("Your keystore contains 3 entries", listing);
        var mykey = await KeystoreTestKit.Run("keytool", "-list", "-v", "-keystore", path, "-storepass", Pw, "-storetype", storeType, "-alias", "mykey");
        Assert.Contains("Entry type: PrivateKeyEntry", mykey);
        Assert.Contains(Colons(certificateBefore), mykey.Replace(" ", ""));
        var added = await KeystoreTestKit.Run("keytool", "-list", "-keystore", path, "-storepass", Pw, "-storetype", storeType, "-alias", "kit-trust-anchor-1");
        Assert.Contains("trustedCertEntry", added);
        var keyAfter = KeyEntry(path);
        Assert.Equal(certificateBefore, KeystoreTestKit.Sha256(keyAfter.Certificate!.RawData));
        Assert.Equal(protectedBefore, ProtectedKey(keyAfter));
        // The key is still usable by Java: keytool can export its certificate through the key entry.
        await KeystoreTestKit.Run("keytool", "-exportcert", "-rfc", "-alias", "mykey", "-keystore", path, "-storepass", Pw, "-storetype", storeType);
    }

    [Fact]
    public async Task Certheal_reads_a_keytool_pkcs12_truststore_with_encrypted_certificates()
    {
        var path = kit.NewPath("keytool-trust.p12");
        for (var i = 0; i < 2; i++)
        {
            await KeystoreTestKit.Run("keytool", "-importcert", "-noprompt", "-alias", $"anchor{i}", "-file", kit.WritePem(kit.Certificates[i]),
                "-storetype", "PKCS12", "-keystore", path, "-storepass", Pw);
        }

        using var pw = KeystoreTestKit.Pw();
        var keystore = KeystoreFile.Open(path, null, pw);

        Assert.Equal(KeystoreFormat.Pkcs12, keystore.Format);
        Assert.Equal(["anchor0", "anchor1"], keystore.TrustedEntries.Select(e => e.Alias).Order());
        Assert.Equal(kit.Certificates[1].RawData, keystore.Entries.Single(e => e.Alias == "anchor1").Certificate!.RawData);

        KeystoreTestKit.Add(path, null, [kit.Certificates[2]]);
        var list = await KeystoreTestKit.Run("keytool", "-list", "-keystore", path, "-storepass", Pw, "-storetype", "PKCS12");
        Assert.Contains("Your keystore contains 3 entries", list);
    }

    [Fact]
    public async Task Certheal_reads_an_openssl_pkcs12_of_certificates()
    {
        var pem = kit.NewPath("two.pem");
        File.WriteAllText(pem, string.Concat(kit.Certificates.Take(2).Select(c => c.ExportCertificatePem() + "\n")));
        var path = kit.NewPath("openssl.p12");
        await KeystoreTestKit.Run("openssl", "pkcs12", "-export", "-nokeys", "-in", pem, "-out", path, "-passout", "pass:" + Pw);

        using var pw = KeystoreTestKit.Pw();
        var keystore = KeystoreFile.Open(path, null, pw);

        Assert.Equal(kit.Certificates.Take(2).Select(c => c.Thumbprint).Order(), keystore.TrustedEntries.Select(e => e.Certificate!.Thumbprint).Order());
    }

    [Fact]
    public async Task Certheal_reads_a_keytool_jks_truststore_and_keytool_reads_it_back_after_a_merge()
    {
        var path = kit.NewPath("keytool-trust.jks");
        await KeystoreTestKit.Run("keytool", "-importcert", "-noprompt", "-alias", "First Anchor", "-file", kit.WritePem(kit.Certificates[0]),
            "-storetype", "JKS", "-keystore", path, "-storepass", Pw);

        KeystoreTestKit.Add(path, null, kit.Certificates.Take(3));

        using var pw = KeystoreTestKit.Pw();
        var keystore = KeystoreFile.Open(path, null, pw);
        Assert.Equal(["first anchor", "kit-trust-anchor-2", "kit-trust-anchor-3"], keystore.Entries.Select(e => e.Alias).Order());
        var list = await KeystoreTestKit.Run("keytool", "-list", "-keystore", path, "-storepass", Pw, "-storetype", "JKS");
        Assert.Contains("Your keystore contains 3 entries", list);
    }

    private static KeystoreEntry KeyEntry(string path)
    {
        using var pw = KeystoreTestKit.Pw();
        return KeystoreFile.Open(path, null, pw).Entries.Single(e => e.EntryType == KeystoreEntryType.PrivateKey);
    }

    private static string ProtectedKey(KeystoreEntry entry) =>
        KeystoreTestKit.Sha256(JksCodec.EncryptedKey(entry) ?? Pkcs12Codec.KeyBags(entry) ?? throw new InvalidOperationException("no protected key bytes"));

    private static string Colons(string hex) => string.Join(':', Enumerable.Range(0, hex.Length / 2).Select(i => hex.Substring(2 * i, 2)));

    private static int CountOf(string text, string value) => (text.Length - text.Replace(value, "").Length) / value.Length;
}
