using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using CertHeal.Keystores;
using CertHeal.Lab;
using CertHeal.Trust;

namespace CertHeal.Tests.Keystores;

/// <summary>
/// Stores made by keytool and openssl the way users make them (legacy PBE, no MAC, no
/// encryption, empty password, key entries with their CA chain, JCEKS secret keys): each is
/// confirmed, merged into, and read back by the tool that made it with every original entry
/// intact, of the same type, and with the same protection.
/// </summary>
public sealed partial class KeystoreToolMadeStoreTests(KeystoreTestKit kit) : IClassFixture<KeystoreTestKit>
{
    private const string Pw = KeystoreTestKit.Password;

    /// <summary>A server key, its certificate, and a file with its CA chain (intermediate and root).</summary>
    private (string Crt, string Key, string Chain) ServerFiles()
    {
        var leaf = CertificateMint.Issue(new CertificateMint.Spec { Subject = "CN=srv.example, O=CertHeal Lab", DnsNames = ["srv.example"] }, kit.Hierarchy.Intermediate);
        var crt = kit.NewPath("srv.crt");
        var key = kit.NewPath("srv.key");
        CertificateMint.WritePemWithKey(leaf, crt, key);
        var chain = kit.NewPath("ca.crt");
        File.WriteAllText(chain, CertificateMint.ToPem(kit.Hierarchy.Intermediate) + CertificateMint.ToPem(kit.Hierarchy.Root));
        return (crt, key, chain);
    }

    private async Task<string> OpensslStore(string password, params string[] extra)
    {
        var (crt, key, chain) = ServerFiles();
        var path = kit.NewPath("openssl.p12");
        await KeystoreTestKit.Run("openssl", ["pkcs12", "-export", "-in", crt, "-inkey", key, "-certfile", chain, "-name", "srv", "-out", path, "-passout", "pass:" + password, .. extra]);
        return path;
    }

    /// <summary>keytool -importkeystore of an openssl key+chain store, with JVM options that choose the protection.</summary>
    private async Task<string> KeytoolStore(string storeType, string name, params string[] jvm)
    {
        var source = await OpensslStore(Pw);
        var path = kit.NewPath(name);
        await KeystoreTestKit.Run("keytool", [.. jvm, "-importkeystore", "-noprompt", "-srckeystore", source, "-srcstoretype", "PKCS12", "-srcstorepass", Pw,
            "-destkeystore", path, "-deststoretype", storeType, "-deststorepass", Pw, "-destkeypass", Pw]);
        await KeystoreTestKit.Run("keytool", [.. jvm, "-importcert", "-noprompt", "-alias", "existing-anchor", "-file", kit.WritePem(kit.Certificates[5]),
            "-keystore", path, "-storetype", storeType, "-storepass", Pw]);
        return path;
    }

    private async Task<(string Path, string? KeytoolType, string Password, string[] OpensslFlags)> Make(string scenario) => scenario switch
    {
        "openssl-chain" => (await OpensslStore(Pw), "PKCS12", Pw, []),
        "openssl-legacy" => (await OpensslStore(Pw, "-legacy"), "PKCS12", Pw, ["-legacy"]),
        "openssl-descert" => (await OpensslStore(Pw, "-descert"), "PKCS12", Pw, []),
        "openssl-nomac" => (await OpensslStore(Pw, "-nomac"), "PKCS12", Pw, []),
        // keytool lists no entry for an unencrypted KeyBag, so openssl alone judges this one.
        "openssl-nopbe" => (await OpensslStore(Pw, "-certpbe", "NONE", "-keypbe", "NONE"), null, Pw, []),
        "openssl-empty-password" => (await OpensslStore(""), null, "", []),
        "keytool-legacy" => (await KeytoolStore("PKCS12", "legacy.p12", "-J-Dkeystore.pkcs12.legacy"), "PKCS12", Pw, ["-legacy"]),
        "keytool-nomac" => (await KeytoolStore("PKCS12", "nomac.p12", "-J-Dkeystore.pkcs12.macAlgorithm=NONE"), "PKCS12", Pw, []),
        "keytool-passwordless" => (await KeytoolStore("PKCS12", "plain.p12", "-J-Dkeystore.pkcs12.certProtectionAlgorithm=NONE", "-J-Dkeystore.pkcs12.macAlgorithm=NONE"), "PKCS12", Pw, []),
        "keytool-jks-chain" => (await KeytoolStore("JKS", "chain.jks"), "JKS", Pw, []),
        "keytool-jceks-secret" => (await JceksWithSecretKey(), "JCEKS", Pw, []),
        _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
    };

    private async Task<string> JceksWithSecretKey()
    {
        var path = await KeytoolStore("JCEKS", "secret.jceks");
        await KeystoreTestKit.Run("keytool", "-genseckey", "-alias", "aes-key", "-keyalg", "AES", "-keysize", "128", "-keystore", path, "-storetype", "JCEKS", "-storepass", Pw, "-keypass", Pw);
        await KeystoreTestKit.Run("keytool", "-importcert", "-noprompt", "-alias", "after-secret", "-file", kit.WritePem(kit.Certificates[4]),
            "-keystore", path, "-storetype", "JCEKS", "-storepass", Pw);
        return path;
    }

    [Theory]
    [InlineData("openssl-chain")]
    [InlineData("openssl-legacy")]
    [InlineData("openssl-descert")]
    [InlineData("openssl-nomac")]
    [InlineData("openssl-nopbe")]
    [InlineData("openssl-empty-password")]
    [InlineData("keytool-legacy")]
    [InlineData("keytool-nomac")]
    [InlineData("keytool-passwordless")]
    [InlineData("keytool-jks-chain")]
    [InlineData("keytool-jceks-secret")]
    public async Task A_tool_made_store_is_confirmed_merged_and_read_back_by_its_tool_with_every_entry_intact(string scenario)
    {
        var (path, keytoolType, password, opensslFlags) = await Make(scenario);
        var isPkcs12 = keytoolType is null or "PKCS12";
        var entriesBefore = keytoolType is null ? null : await KeytoolEntries(path, keytoolType, password);
        var infoBefore = isPkcs12 ? await OpensslInfo(path, password, opensslFlags) : null;

        using (var pw = KeystorePassword.FromString(password))
        {
            var report = await CertHeal.Validation.KeystoreValidator.ValidateFileAsync(path, null, pw, new CertHeal.Validation.ValidationOptions(), default);
            Assert.True(report.IsValid, string.Join("; ", report.Findings.Select(f => f.Message)));
            if (entriesBefore is not null)
            {
                Assert.Equal(entriesBefore.Count, KeystoreFile.Open(path, null, pw).Entries.Count);
            }
            var change = KeystoreMerger.Merge(path, null, pw, [kit.Certificates[0]], new MergeOptions { Policy = TrustPolicy.TrustOnFirstUse, System = TrustAnchors.FromCertificates("none", []) }, new SaveOptions());
            Assert.True(change.Written);
            Assert.Equal(1, change.Added);
        }

        if (keytoolType is not null)
        {
            var after = await KeytoolEntries(path, keytoolType, password);
            Assert.Equal(entriesBefore!.Count + 1, after.Count);
            foreach (var (alias, type) in entriesBefore)
            {
                Assert.Equal(type, after[alias]);
            }
            Assert.Equal("trustedCertEntry", after["kit-trust-anchor-1"]);
        }
        if (isPkcs12)
        {
            var infoAfter = await OpensslInfo(path, password, opensslFlags);
            Assert.Equal(infoBefore!.Protection, infoAfter.Protection);
            Assert.Equal(infoBefore.Certificates + 1, infoAfter.Certificates);
            Assert.Equal(infoBefore.Keys, infoAfter.Keys);
            foreach (var bag in infoBefore.BagAttributes)
            {
                Assert.Contains(bag, infoAfter.BagAttributes);
            }
        }
    }

    [Theory]
    [InlineData("openssl-nomac")]
    [InlineData("keytool-nomac")]
    public async Task A_wrong_password_on_a_pkcs12_without_mac_is_refused_and_the_file_is_untouched(string scenario)
    {
        var (path, _, _, _) = await Make(scenario);
        var before = File.ReadAllBytes(path);

        using var wrong = KeystorePassword.FromString("not-the-password");
        var error = Assert.Throws<KeystoreException>(() => KeystoreMerger.Merge(path, null, wrong, [kit.Certificates[0]],
            new MergeOptions { Policy = TrustPolicy.TrustOnFirstUse, System = TrustAnchors.FromCertificates("none", []) }, new SaveOptions()));

        Assert.Equal(KeystoreErrorKind.WrongPassword, error.Kind);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task A_passwordless_pkcs12_truststore_opens_without_a_password_stays_without_mac_and_its_real_password_still_opens_it()
    {
        // What the JDK's own cacerts is: trusted certificates in the clear, no MAC.
        var path = kit.NewPath("cacerts.p12");
        await KeystoreTestKit.Run("keytool", "-J-Dkeystore.pkcs12.certProtectionAlgorithm=NONE", "-J-Dkeystore.pkcs12.macAlgorithm=NONE", "-importcert", "-noprompt",
            "-alias", "existing-anchor", "-file", kit.WritePem(kit.Certificates[5]), "-keystore", path, "-storetype", "PKCS12", "-storepass", Pw);

        using (var other = KeystorePassword.FromString("some-other-password"))
        {
            KeystoreMerger.Merge(path, null, other, [kit.Certificates[0]], new MergeOptions { Policy = TrustPolicy.TrustOnFirstUse, System = TrustAnchors.FromCertificates("none", []) }, new SaveOptions());
        }
        using (var none = (KeystorePassword?)null)
        {
            KeystoreMerger.Merge(path, null, none, [kit.Certificates[1]], new MergeOptions { Policy = TrustPolicy.TrustOnFirstUse, System = TrustAnchors.FromCertificates("none", []) }, new SaveOptions());
        }

        var info = await OpensslInfo(path, Pw, []);
        Assert.DoesNotContain("MAC:", info.Protection);
        var entries = await KeytoolEntries(path, "PKCS12", Pw);
        Assert.Equal("trustedCertEntry", entries["kit-trust-anchor-1"]);
        Assert.Equal("trustedCertEntry", entries["kit-trust-anchor-2"]);
        Assert.Equal("trustedCertEntry", entries["existing-anchor"]);
        Assert.Equal(3, entries.Count);
    }

    [Fact]
    public async Task An_openssl_key_with_its_CA_chain_gains_no_trusted_entry_when_a_certificate_is_merged()
    {
        var (crt, key, chain) = ServerFiles();
        var path = kit.NewPath("ks.p12");
        await KeystoreTestKit.Run("openssl", "pkcs12", "-export", "-in", crt, "-inkey", key, "-certfile", chain, "-name", "srv", "-out", path, "-passout", "pass:" + Pw);
        Assert.Single(await KeytoolEntries(path, "PKCS12", Pw));

        using (var pw = KeystoreTestKit.Pw())
        {
            Assert.Single(KeystoreFile.Open(path, null, pw).Entries);
            var change = KeystoreMerger.Merge(path, null, pw, [kit.Certificates[0]], new MergeOptions { Policy = TrustPolicy.TrustOnFirstUse, System = TrustAnchors.FromCertificates("none", []) }, new SaveOptions());
            Assert.Equal(1, change.Added);
        }

        var entries = await KeytoolEntries(path, "PKCS12", Pw);
        Assert.Equal(2, entries.Count);
        Assert.Equal("PrivateKeyEntry", entries["srv"]);
        Assert.Equal("trustedCertEntry", entries["kit-trust-anchor-1"]);
        var chainListing = await KeystoreTestKit.Run("keytool", "-list", "-v", "-alias", "srv", "-keystore", path, "-storepass", Pw, "-storetype", "PKCS12");
        Assert.Contains("Certificate chain length: 3", chainListing);
    }

    [Fact]
    public async Task Save_of_an_opened_openssl_key_store_keeps_the_key_its_chain_and_the_encryption()
    {
        var (path, _, _, flags) = await Make("openssl-legacy");
        var infoBefore = await OpensslInfo(path, Pw, flags);
        using (var pw = KeystoreTestKit.Pw())
        {
            var keystore = KeystoreFile.Open(path, null, pw);
            Assert.True(KeystoreTestKit.AddTo(keystore, [kit.Certificates[0]]));
            Assert.True(KeystoreFile.Save(keystore, pw).Written);
        }

        var infoAfter = await OpensslInfo(path, Pw, flags);
        Assert.Equal(infoBefore.Protection, infoAfter.Protection);
        Assert.Equal(infoBefore.Keys, infoAfter.Keys);
        Assert.Equal(infoBefore.Certificates + 1, infoAfter.Certificates);
        var entries = await KeytoolEntries(path, "PKCS12", Pw);
        Assert.Equal("PrivateKeyEntry", entries["srv"]);
        Assert.Equal("trustedCertEntry", entries["kit-trust-anchor-1"]);
    }

    [Fact]
    public async Task An_openssl_pkcs12_with_an_empty_password_opens_and_merges_without_one_and_openssl_still_reads_it_with_pass()
    {
        var (path, _, _, _) = await Make("openssl-empty-password");

        var report = await CertHeal.Validation.KeystoreValidator.ValidateFileAsync(path, null, null, new CertHeal.Validation.ValidationOptions(), default);
        Assert.True(report.IsValid, string.Join("; ", report.Findings.Select(f => f.Message)));
        Assert.Single(KeystoreFile.Open(path).Entries);
        var change = KeystoreMerger.Merge(path, null, null, [kit.Certificates[0]], new MergeOptions { Policy = TrustPolicy.TrustOnFirstUse, System = TrustAnchors.FromCertificates("none", []) }, new SaveOptions());

        Assert.Equal(1, change.Added);
        var info = await OpensslInfo(path, "", []);
        Assert.Equal(1, info.Keys);
        Assert.Equal(4, info.Certificates);
        Assert.Contains("MAC:", info.Protection);
    }

    [Fact]
    public async Task Confirm_says_an_empty_file_is_empty()
    {
        var path = kit.NewPath("empty.p12");
        await File.WriteAllBytesAsync(path, []);

        var report = await CertHeal.Validation.KeystoreValidator.ValidateFileAsync(path, null, null, new CertHeal.Validation.ValidationOptions(), default);

        Assert.True(report.IsValid);
        Assert.Contains(report.Findings, f => f.Code == CertHeal.Validation.FindingCodes.Empty && f.Message.Contains("empty", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_truncated_pkcs12_is_named_as_a_truncated_pkcs12()
    {
        var source = await OpensslStore(Pw);
        var path = kit.NewPath("truncated.p12");
        var bytes = await File.ReadAllBytesAsync(source);
        await File.WriteAllBytesAsync(path, bytes[..(bytes.Length / 2)]);

        using var pw = KeystoreTestKit.Pw();
        var error = Assert.Throws<KeystoreException>(() => KeystoreFile.Open(path, null, pw));

        Assert.Equal(KeystoreErrorKind.Corrupt, error.Kind);
        Assert.Contains("truncated PKCS#12", error.Message);
    }

    [Theory]
    [InlineData(Pkcs12Encryption.Aes, "PBES2, PBKDF2, AES-256-CBC", "MAC: sha256")]
    [InlineData(Pkcs12Encryption.Legacy, "pbeWithSHA1And3-KeyTripleDES-CBC", "MAC: sha1")]
    public async Task A_new_pkcs12_is_encrypted_as_asked_and_keytool_and_openssl_read_it(Pkcs12Encryption encryption, string algorithm, string mac)
    {
        var path = kit.NewPath("new.p12");
        using (var pw = KeystoreTestKit.Pw())
        {
            KeystoreFile.Update(path, null, pw, keystore =>
            {
                keystore.NewPkcs12Encryption = encryption;
                return KeystoreTestKit.AddTo(keystore, kit.Certificates.Take(2));
            });
        }

        var info = await OpensslInfo(path, Pw, []);
        Assert.Contains(algorithm, info.Protection);
        Assert.Contains(mac, info.Protection);
        Assert.Equal(2, info.Certificates);
        var entries = await KeytoolEntries(path, "PKCS12", Pw);
        Assert.Equal(["trustedCertEntry", "trustedCertEntry"], entries.Values);
    }

    [Theory]
    [InlineData("BKS")]
    [InlineData("UBER")]
    public async Task A_bouncycastle_keystore_is_refused_with_one_sentence_naming_its_format(string storeType)
    {
        var path = kit.NewPath("android." + storeType.ToLowerInvariant());
        await KeystoreTestKit.Run("keytool", "-importcert", "-noprompt", "-alias", "anchor", "-file", kit.WritePem(kit.Certificates[0]), "-keystore", path,
            "-storetype", storeType, "-storepass", Pw, "-providerpath", "/usr/share/java/bcprov.jar", "-providerclass", "org.bouncycastle.jce.provider.BouncyCastleProvider");
        var before = await File.ReadAllBytesAsync(path);

        using var pw = KeystoreTestKit.Pw();
        var error = Assert.Throws<KeystoreException>(() => KeystoreTestKit.Add(path, null, [kit.Certificates[1]]));

        Assert.Equal(KeystoreErrorKind.Unsupported, error.Kind);
        Assert.Contains($"BouncyCastle {storeType} keystore", error.Message);
        Assert.Equal(before, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task An_uber_keystore_whose_first_encrypted_byte_looks_like_a_bks_entry_type_is_still_named_uber()
    {
        // UBER's ciphertext starts right after the iteration count; about one store in forty has
        // a first byte of 0-5, which a one-byte check took for BKS's clear entry list.
        var path = kit.NewPath("android.uber");
        await KeystoreTestKit.Run("keytool", "-importcert", "-noprompt", "-alias", "anchor", "-file", kit.WritePem(kit.Certificates[0]), "-keystore", path,
            "-storetype", "UBER", "-storepass", Pw, "-providerpath", "/usr/share/java/bcprov.jar", "-providerclass", "org.bouncycastle.jce.provider.BouncyCastleProvider");
        var bytes = await File.ReadAllBytesAsync(path);
        var firstEncrypted = 8 + System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4)) + 4;

        for (byte value = 0; value <= 5; value++)
        {
            var variant = (byte[])bytes.Clone();
            variant[firstEncrypted] = value;
            Assert.Equal("UBER", BouncyCastleKeystore.Identify(variant));
        }
    }

    /// <summary>keytool -list: alias to entry type (PrivateKeyEntry, trustedCertEntry, SecretKeyEntry).</summary>
    private static async Task<Dictionary<string, string>> KeytoolEntries(string path, string storeType, string password)
    {
        var list = await KeystoreTestKit.Run("keytool", "-list", "-keystore", path, "-storetype", storeType, "-storepass", password);
        var count = int.Parse(EntryCount().Match(list).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var entries = EntryLine().Matches(list).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        Assert.Equal(count, entries.Count);
        return entries;
    }

    private sealed record OpensslPkcs12Info(string Protection, int Certificates, int Keys, IReadOnlyList<string> BagAttributes);

    /// <summary>openssl pkcs12 -info: the protection lines (MAC, encryption algorithms), certificate and key counts, each bag's attributes.</summary>
    private static async Task<OpensslPkcs12Info> OpensslInfo(string path, string password, string[] flags)
    {
        var output = await KeystoreTestKit.Run("openssl", ["pkcs12", "-info", "-in", path, "-passin", "pass:" + password, "-nodes", .. flags]);
        var lines = output.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var protection = string.Join('\n', lines.Where(l => l.StartsWith("MAC:", StringComparison.Ordinal) || l.Contains("Encrypted data:", StringComparison.Ordinal)
            || l.StartsWith("Shrouded Keybag:", StringComparison.Ordinal) || l.StartsWith("PKCS7 Data", StringComparison.Ordinal) || l.StartsWith("Key bag", StringComparison.Ordinal))
            .Select(l => Regex.Replace(l, "salt length: \\d+", "")).Distinct().Order(StringComparer.Ordinal));
        var attributes = new List<string>();
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].StartsWith("Bag Attributes", StringComparison.Ordinal))
            {
                var block = new List<string> { lines[i] };
                for (var j = i + 1; j < lines.Count && lines[j].StartsWith("    ", StringComparison.Ordinal); j++)
                {
                    block.Add(lines[j]);
                }
                var subject = lines.Skip(i).FirstOrDefault(l => l.StartsWith("subject=", StringComparison.Ordinal)) ?? "";
                attributes.Add(string.Join('\n', block) + "\n" + subject);
            }
        }
        return new OpensslPkcs12Info(protection, Count(output, "-----BEGIN CERTIFICATE-----"), Count(output, "PRIVATE KEY-----") / 2, attributes);
    }

    private static int Count(string text, string value) => (text.Length - text.Replace(value, "").Length) / value.Length;

    [GeneratedRegex(@"Your keystore contains (\d+) entr")]
    private static partial Regex EntryCount();

    [GeneratedRegex(@"^([^,\n]+),[^,\n]*,[^,\n]*, (\w+),?\s*$", RegexOptions.Multiline)]
    private static partial Regex EntryLine();
}
