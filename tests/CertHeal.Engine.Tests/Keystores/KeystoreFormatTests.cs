using System.Security.Cryptography.X509Certificates;
using CertHeal.Keystores;
using CertHeal.Lab;

namespace CertHeal.Tests.Keystores;

/// <summary>Every format round-trips, and what CertHeal writes is what keytool, openssl and .NET read.</summary>
public sealed class KeystoreFormatTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    private const string Password = "changeit";

    private string NewPath(string name) => Path.Combine(fixture.Lab.Folder, Guid.NewGuid().ToString("N")[..6] + "-" + name);

    private X509Certificate2[] Certificates => [fixture.Lab.Trusted.Root, fixture.Lab.Trusted.Intermediate, fixture.Lab.Untrusted.Root];

    private KeystoreWriteResult AddAll(string path, KeystoreFormat? format = null, IEnumerable<X509Certificate2>? certificates = null) =>
        KeystoreTestKit.Add(path, format, certificates ?? Certificates);

    [Theory]
    [InlineData("store.pem", KeystoreFormat.PemBundle)]
    [InlineData("store.p12", KeystoreFormat.Pkcs12)]
    [InlineData("store.jks", KeystoreFormat.Jks)]
    [InlineData("certs/", KeystoreFormat.Directory)]
    public void Every_format_round_trips_and_is_detected_from_content(string name, KeystoreFormat format)
    {
        var path = NewPath(name);

        var result = AddAll(path);

        Assert.True(result.Written || format == KeystoreFormat.Directory);
        Assert.Equal(format, result.Format);
        using var password = KeystorePassword.FromString(Password);
        var read = KeystoreFile.Open(path, null, password);
        Assert.Equal(format, read.Format);
        Assert.Equal(Certificates.Select(c => c.Thumbprint).Order(), read.TrustedEntries.Select(e => e.Certificate!.Thumbprint).Order());
        if (format != KeystoreFormat.Directory)
        {
            // Content, not extension, decides: the same bytes under another name read the same.
            var renamed = path + ".bin";
            File.Copy(path, renamed);
            Assert.Equal(format, KeystoreFormats.Detect(renamed));
        }
    }

    [Fact]
    public async Task A_bundle_of_only_comments_is_an_empty_PEM_bundle_whose_comments_survive_the_merge()
    {
        var path = NewPath("ca-bundle.crt");
        const string header = "# Managed by config management; do not edit by hand.\n#\n";
        File.WriteAllText(path, header);
        var config = NewPath("app.conf");
        File.WriteAllText(config, "listen = 8443\n# tls on\n");

        Assert.Empty(KeystoreFile.Open(path).TrustedEntries);
        var result = AddAll(path, certificates: [fixture.Lab.Trusted.Root]);

        Assert.True(result.Written);
        Assert.Equal(KeystoreFormat.PemBundle, result.Format);
        var text = File.ReadAllText(path);
        Assert.StartsWith(header, text);
        var subject = await KeystoreTestKit.Run("openssl", "x509", "-in", path, "-noout", "-subject");
        Assert.Contains("CertHeal Lab", subject);
        // Text that is not only comments still needs a PEM block: a mistyped path is refused, not written.
        var error = Assert.Throws<KeystoreException>(() => KeystoreFile.Open(config));
        Assert.Equal(KeystoreErrorKind.Corrupt, error.Kind);
    }

    [Fact]
    public void A_DER_file_holds_one_certificate_and_refuses_a_second_with_a_clear_error()
    {
        var path = NewPath("one.cer");
        AddAll(path, certificates: [fixture.Lab.Trusted.Root]);

        Assert.Equal(KeystoreFormat.Der, KeystoreFormats.Detect(path));
        var error = Assert.Throws<KeystoreException>(() => AddAll(path, certificates: [fixture.Lab.Trusted.Intermediate]));
        Assert.Equal(KeystoreErrorKind.Unsupported, error.Kind);
        Assert.Contains("PEM bundle", error.Message);
    }

    [Fact]
    public void The_PEM_bundle_has_a_comment_line_with_subject_and_expiry_above_each_certificate()
    {
        var path = NewPath("bundle.pem");
        AddAll(path);

        var lines = File.ReadAllLines(path);
        var comments = lines.Where(l => l.StartsWith("# ", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, comments.Count);
        Assert.All(comments, c => Assert.Matches(@"^# CN=.* \(expires \d{4}-\d{2}-\d{2}\)$", c));
        Assert.Equal("-----BEGIN CERTIFICATE-----", lines[Array.IndexOf(lines, comments[0]) + 1]);
    }

    [Theory]
    [InlineData("store.jks", "JKS")]
    [InlineData("store.p12", "PKCS12")]
    public async Task Keytool_lists_what_CertHeal_writes_as_trustedCertEntry_with_the_aliases(string name, string storeType)
    {
        var path = NewPath(name);
        AddAll(path);

        var list = await Tools.RunAsync("keytool", ["-list", "-keystore", path, "-storepass", Password, "-storetype", storeType]);

        Assert.True(list.Code == 0, list.Stdout + list.Stderr);
        Assert.Contains("Your keystore contains 3 entries", list.Stdout);
        foreach (var alias in new[] { "certheal-lab-root-ca", "certheal-lab-issuing-ca-1", "unknown-private-root-ca" })
        {
            Assert.Matches($@"(?m)^{alias}, .*, trustedCertEntry,", list.Stdout);
        }
    }

    [Fact]
    public async Task Openssl_and_dotnet_read_the_PKCS12_CertHeal_writes()
    {
        var path = NewPath("store.p12");
        AddAll(path);

        var openssl = await Tools.RunAsync("openssl", ["pkcs12", "-in", path, "-nokeys", "-passin", "pass:" + Password]);
        var dotnet = new X509Certificate2Collection();
#pragma warning disable SYSLIB0057
        dotnet.Import(path, Password, X509KeyStorageFlags.DefaultKeySet);
#pragma warning restore SYSLIB0057

        Assert.True(openssl.Code == 0, openssl.Stderr);
        var fromOpenSsl = new X509Certificate2Collection();
        fromOpenSsl.ImportFromPem(openssl.Stdout);
        Assert.Equal(Certificates.Select(c => c.Thumbprint).Order(), fromOpenSsl.Select(c => c.Thumbprint).Order());
        Assert.Contains("friendlyName: certheal-lab-root-ca", openssl.Stdout);
        Assert.Equal(Certificates.Select(c => c.Thumbprint).Order(), dotnet.Select(c => c.Thumbprint).Order());
    }

    [Theory]
    [InlineData("JKS", "kt.jks")]
    [InlineData("PKCS12", "kt.p12")]
    public async Task A_keytool_keystore_keeps_its_private_key_entry_byte_exact_after_a_merge(string storeType, string name)
    {
        var path = NewPath(name);
        var made = await Tools.RunAsync("keytool", ["-genkeypair", "-alias", "mykey", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=me", "-validity", "30",
            "-storetype", storeType, "-keystore", path, "-storepass", Password, "-keypass", Password]);
        Assert.True(made.Code == 0, made.Stderr);
        var rootPem = Path.Combine(fixture.Lab.Folder, Guid.NewGuid().ToString("N")[..6] + "-root.pem");
        File.WriteAllText(rootPem, CertificateMint.ToPem(fixture.Lab.Untrusted.Root));
        var imported = await Tools.RunAsync("keytool", ["-importcert", "-noprompt", "-alias", "existing-root", "-file", rootPem, "-storetype", storeType, "-keystore", path, "-storepass", Password]);
        Assert.True(imported.Code == 0, imported.Stderr);
        var before = KeystoreFile.Open(path, null, KeystorePassword.FromString(Password));
        var keyBefore = Assert.Single(before.Entries, e => e.EntryType == KeystoreEntryType.PrivateKey);
        var listBefore = await Tools.RunAsync("keytool", ["-list", "-v", "-keystore", path, "-storepass", Password, "-alias", "mykey"]);

        var result = AddAll(path, certificates: [fixture.Lab.Trusted.Root]);

        Assert.True(result.Written);
        var after = KeystoreFile.Open(path, null, KeystorePassword.FromString(Password));
        var keyAfter = Assert.Single(after.Entries, e => e.EntryType == KeystoreEntryType.PrivateKey);
        Assert.Equal("mykey", keyAfter.Alias);
        Assert.Equal(keyBefore.Certificate!.RawData, keyAfter.Certificate!.RawData);
        Assert.Equal(OpaqueBytes(keyBefore), OpaqueBytes(keyAfter));
        Assert.Equal(3, after.Entries.Count);
        var listAfter = await Tools.RunAsync("keytool", ["-list", "-v", "-keystore", path, "-storepass", Password, "-alias", "mykey"]);
        Assert.True(listAfter.Code == 0, listAfter.Stderr);
        Assert.Contains("Entry type: PrivateKeyEntry", listAfter.Stdout);
        Assert.Equal(Sha256Line(listBefore.Stdout), Sha256Line(listAfter.Stdout));
        var all = await Tools.RunAsync("keytool", ["-list", "-keystore", path, "-storepass", Password]);
        Assert.Contains("Your keystore contains 3 entries", all.Stdout);
        Assert.Contains("existing-root, ", all.Stdout);
    }

    private static string Sha256Line(string keytoolOutput) =>
        keytoolOutput.Split('\n').First(l => l.Trim().StartsWith("SHA256:", StringComparison.Ordinal)).Trim();

    private static string OpaqueBytes(KeystoreEntry entry) => entry.Origin switch
    {
        null => "",
        JksEntryOrigin jks => Convert.ToHexString(jks.Bytes),
        Pkcs12BagOrigin pkcs12 => string.Join("|", pkcs12.Bags.Select(b => Convert.ToHexString(b.Encoded))),
        var other => other.ToString(),
    };
}
