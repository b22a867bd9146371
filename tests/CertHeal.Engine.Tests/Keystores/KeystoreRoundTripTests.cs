using System.Security.Cryptography.X509Certificates;
using CertHeal.Keystores;

namespace CertHeal.Tests.Keystores;

/// <summary>Every format writes N trusted entries and reads back the same aliases and certificate bytes; detection uses content.</summary>
public sealed class KeystoreRoundTripTests(KeystoreTestKit kit) : IClassFixture<KeystoreTestKit>
{
    [Theory]
    [InlineData("store.pem", KeystoreFormat.PemBundle)]
    [InlineData("store.p12", KeystoreFormat.Pkcs12)]
    [InlineData("store.jks", KeystoreFormat.Jks)]
    [InlineData("certs/", KeystoreFormat.Directory)]
    public void Round_trips_trusted_entries(string name, KeystoreFormat format)
    {
        var path = kit.NewPath(name);
        var certificates = kit.Certificates.Take(4).ToArray();

        var result = KeystoreTestKit.Add(path, null, certificates);

        Assert.True(result.Written);
        Assert.Equal(format, result.Format);
        Assert.Equal(format, KeystoreFormats.Detect(path));
        using var pw = KeystoreTestKit.Pw();
        var keystore = KeystoreFile.Open(path, null, pw);
        Assert.Equal(format, keystore.Format);
        Assert.Equal(
            certificates.Select(c => KeystoreTestKit.Sha256(c.RawData)).Order(),
            keystore.TrustedEntries.Select(e => KeystoreTestKit.Sha256(e.Certificate!.RawData)).Order());
        var expectedAliases = Enumerable.Range(1, 4).Select(i => $"kit-trust-anchor-{i}").ToArray();
        if (format == KeystoreFormat.Directory)
        {
            Assert.All(keystore.Entries, e => Assert.Matches("^kit-trust-anchor-[1-4]-[0-9a-f]{8}$", e.Alias));
        }
        else
        {
            Assert.Equal(expectedAliases, keystore.Entries.Select(e => e.Alias).Order());
        }
    }

    [Fact]
    public void Pem_bundle_has_a_comment_line_with_subject_and_expiry_above_each_certificate()
    {
        var path = kit.NewPath("bundle.pem");
        KeystoreTestKit.Add(path, null, kit.Certificates.Take(2));

        var lines = File.ReadAllLines(path);
        var certificate = kit.Certificates[0];
        var index = Array.IndexOf(lines, $"# {certificate.Subject} (expires {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd})");
        Assert.True(index >= 0, string.Join('\n', lines));
        Assert.Equal("-----BEGIN CERTIFICATE-----", lines[index + 1]);
        Assert.Equal(2, lines.Count(l => l.StartsWith("# CN=", StringComparison.Ordinal)));
    }

    [Fact]
    public void Pem_bundle_keeps_a_private_key_block_verbatim()
    {
        var path = kit.NewPath("withkey.pem");
        using var key = System.Security.Cryptography.ECDsa.Create();
        var keyPem = key.ExportPkcs8PrivateKeyPem();
        File.WriteAllText(path, kit.Certificates[0].ExportCertificatePem() + "\n" + keyPem + "\n");

        KeystoreTestKit.Add(path, null, [kit.Certificates[1]]);

        var text = File.ReadAllText(path);
        Assert.Contains(keyPem, text);
        using var pw = KeystoreTestKit.Pw();
        var keystore = KeystoreFile.Open(path, null, pw);
        Assert.Equal(2, keystore.TrustedEntries.Count());
        Assert.Single(keystore.Entries, e => e.EntryType == KeystoreEntryType.PrivateKey);
    }

    [Fact]
    public void Der_holds_one_certificate_and_refuses_a_second_with_a_hint_to_use_pem()
    {
        var path = kit.NewPath("one.der");
        Assert.True(KeystoreTestKit.Add(path, null, [kit.Certificates[0]]).Written);
        Assert.Equal(kit.Certificates[0].RawData, File.ReadAllBytes(path));
        Assert.Equal(KeystoreFormat.Der, KeystoreFormats.Detect(path));

        var error = Assert.Throws<KeystoreException>(() => KeystoreTestKit.Add(path, null, [kit.Certificates[1]]));

        Assert.Equal(KeystoreErrorKind.Unsupported, error.Kind);
        Assert.Contains("PEM", error.Message);
        Assert.Equal(kit.Certificates[0].RawData, File.ReadAllBytes(path));
    }

    [Fact]
    public void Format_comes_from_content_not_extension()
    {
        var jksNamedPem = kit.NewPath("really-jks.pem");
        KeystoreTestKit.Add(jksNamedPem, KeystoreFormat.Jks, kit.Certificates.Take(1));
        var p12NamedCrt = kit.NewPath("really-p12.crt");
        KeystoreTestKit.Add(p12NamedCrt, KeystoreFormat.Pkcs12, kit.Certificates.Take(1));
        var derNamedPem = kit.NewPath("really-der.pem");
        File.WriteAllBytes(derNamedPem, kit.Certificates[0].RawData);
        var pemNamedJks = kit.NewPath("really-pem.jks");
        File.WriteAllText(pemNamedJks, kit.Certificates[0].ExportCertificatePem());

        Assert.Equal(KeystoreFormat.Jks, KeystoreFormats.Detect(jksNamedPem));
        Assert.Equal(KeystoreFormat.Pkcs12, KeystoreFormats.Detect(p12NamedCrt));
        Assert.Equal(KeystoreFormat.Der, KeystoreFormats.Detect(derNamedPem));
        Assert.Equal(KeystoreFormat.PemBundle, KeystoreFormats.Detect(pemNamedJks));
        Assert.Equal(KeystoreFormat.Directory, KeystoreFormats.Detect(kit.Folder));

        // Only a keystore that does not exist yet takes its format from the name.
        Assert.Equal(KeystoreFormat.Jks, KeystoreFormats.Detect(kit.NewPath("new.jks")));
        Assert.Equal(KeystoreFormat.Pkcs12, KeystoreFormats.Detect(kit.NewPath("new.pfx")));
        Assert.Equal(KeystoreFormat.Der, KeystoreFormats.Detect(kit.NewPath("new.cer")));
        Assert.Equal(KeystoreFormat.PemBundle, KeystoreFormats.Detect(kit.NewPath("new.crt")));
        Assert.Equal(KeystoreFormat.PemBundle, KeystoreFormats.Detect(kit.NewPath("new-no-extension")));
    }

    [Fact]
    public void Format_override_writes_the_requested_format_whatever_the_name()
    {
        var path = kit.NewPath("store.bin");
        KeystoreTestKit.Add(path, KeystoreFormat.Jks, kit.Certificates.Take(2));

        Assert.Equal(KeystoreFormat.Jks, KeystoreFormats.Detect(path));
        using var pw = KeystoreTestKit.Pw();
        Assert.Equal(2, KeystoreFile.Open(path, KeystoreFormat.Jks, pw).TrustedEntries.Count());
    }

    [Fact]
    public void Trust_store_loader_reads_every_format_and_password_free_listing_where_the_format_allows()
    {
        foreach (var name in new[] { "t.pem", "t.jks", "t.p12", "t.der" })
        {
            var path = kit.NewPath(name);
            KeystoreTestKit.Add(path, null, kit.Certificates.Take(name.EndsWith(".der") ? 1 : 3));

            // JKS without its password is listed unverified (as keytool does); our PKCS#12 keeps
            // public certificates in the clear under the MAC, so it is listable too.
            var anchors = TrustStoreLoader.Load(path);

            Assert.NotNull(anchors);
        }
    }

    [Fact]
    public void Aliases_are_lower_case_safe_and_made_unique_case_insensitively()
    {
        var existing = new HashSet<string> { "Kit-Trust-Anchor-1" };
        var certificate = kit.Certificates[0];

        Assert.Equal("kit-trust-anchor-1-2", KeystoreAliases.Derive(certificate, existing));
        Assert.Equal("kit-trust-anchor-1-3", KeystoreAliases.Derive(certificate, existing));
        Assert.Equal("keystore-kit-root-ca", KeystoreAliases.Derive(kit.Hierarchy.Root, new HashSet<string>()));
    }

    [Fact]
    public void Password_never_prints_and_comes_from_file_environment_or_secure_string()
    {
        var file = kit.NewPath("pw.txt");
        File.WriteAllText(file, "s3cret\nsecond line\n");
        using var fromFile = KeystorePassword.FromFile(file);
        Assert.Equal("********", fromFile.ToString());
        Assert.Equal("s3cret", new string(fromFile.Span));

        var variable = "CERTHEAL_TEST_PW_" + Guid.NewGuid().ToString("N")[..6];
        var unset = Assert.ThrowsAny<Exception>(() => KeystorePassword.FromEnvironment(variable));
        Assert.Contains(variable, unset.Message);
        Environment.SetEnvironmentVariable(variable, "fromenv");
        using (var fromEnv = KeystorePassword.FromEnvironment(variable))
        {
            Assert.Equal("fromenv", new string(fromEnv.Span));
        }
        Environment.SetEnvironmentVariable(variable, null);

        using var secure = new System.Security.SecureString();
        foreach (var c in "securepw")
        {
            secure.AppendChar(c);
        }
        var fromSecure = KeystorePassword.FromSecureString(secure);
        Assert.Equal("securepw", new string(fromSecure.Span));
        fromSecure.Dispose();
        Assert.Throws<ObjectDisposedException>(() => fromSecure.Span.Length);
        Assert.Equal("********", $"{fromSecure}");
    }
}
