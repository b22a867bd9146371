using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Keystores;
using CertHeal.Lab;
using CertHeal.Trust;

namespace CertHeal.Tests.Keystores;

/// <summary>A merge changes what it reports and nothing else: no certificate Java rejects in a Java store, OpenSSL's hash links in a folder, a bundle's own text kept.</summary>
public sealed class KeystoreSideEffectTests(KeystoreTestKit kit) : IClassFixture<KeystoreTestKit>
{
    private const string Pw = KeystoreTestKit.Password;


    private static KeystoreChange Merge(string path, params X509Certificate2[] certificates)
    {
        using var pw = KeystoreTestKit.Pw();
        return KeystoreMerger.Merge(path, null, pw, certificates, KeystoreTestKit.TrustOnFirstUse(), new SaveOptions());
    }

    /// <summary>A self-signed certificate that says version 2 yet carries extensions (what pyca's invalid_version.pem is): OpenSSL and .NET read it, Java refuses it.</summary>
    private static X509Certificate2 Version2WithExtensions()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=Version Two With Extensions", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var v3 = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var certificate = new AsnReader(v3.RawData, AsnEncodingRules.DER).ReadSequence();
        var tbs = certificate.ReadSequence();
        var version = tbs.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0));
        Assert.Equal(2, (int)version.ReadInteger());
        var rest = new List<byte[]>();
        while (tbs.HasData)
        {
            rest.Add(tbs.ReadEncodedValue().ToArray());
        }
        var newTbs = new AsnWriter(AsnEncodingRules.DER);
        using (newTbs.PushSequence())
        {
            using (newTbs.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
            {
                newTbs.WriteInteger(1); // v2
            }
            foreach (var field in rest)
            {
                newTbs.WriteEncodedValue(field);
            }
        }
        var tbsBytes = newTbs.Encode();
        var signed = new AsnWriter(AsnEncodingRules.DER);
        using (signed.PushSequence())
        {
            signed.WriteEncodedValue(tbsBytes);
            using (signed.PushSequence())
            {
                signed.WriteObjectIdentifier("1.2.840.113549.1.1.11");
                signed.WriteNull();
            }
            signed.WriteBitString(rsa.SignData(tbsBytes, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        }
        return X509CertificateLoader.LoadCertificate(signed.Encode());
    }

    [Theory]
    [InlineData("trust.jks", "JKS")]
    [InlineData("trust.p12", "PKCS12")]
    public async Task A_v2_certificate_with_extensions_is_skipped_for_a_java_store_and_java_still_loads_it(string name, string storeType)
    {
        var path = kit.NewPath(name);
        KeystoreTestKit.Add(path, null, [kit.Certificates[0]]);
        var before = File.ReadAllBytes(path);
        var v2 = Version2WithExtensions();
        Assert.Equal(2, v2.Version);

        var change = Merge(path, v2);

        var entry = Assert.Single(change.Entries);
        Assert.Equal(KeystoreChangeAction.Skipped, entry.Action);
        Assert.Contains("version 2", entry.Reason);
        Assert.Contains("Java", entry.Reason);
        Assert.False(change.Written);
        Assert.Equal(before, File.ReadAllBytes(path));
        var list = await KeystoreTestKit.Run("keytool", "-list", "-keystore", path, "-storepass", Pw, "-storetype", storeType);
        Assert.Contains("Your keystore contains 1 entry", list);
    }

    [Fact]
    public void A_v2_certificate_with_extensions_still_goes_into_a_pem_bundle_which_openssl_reads()
    {
        var path = kit.NewPath("bundle.pem");
        var change = Merge(path, Version2WithExtensions());
        Assert.Equal(1, change.Added);
    }

    [Fact]
    public async Task A_folder_gains_openssl_subject_hash_links_that_openssl_verify_uses_and_keeps_existing_links()
    {
        var folder = kit.NewPath("certs");
        Directory.CreateDirectory(folder);
        var existing = Path.Combine(folder, "existing.pem");
        File.WriteAllText(existing, CertificateMint.ToPem(kit.Certificates[3]));
        var existingHash = (await KeystoreTestKit.Run("openssl", "x509", "-noout", "-subject_hash", "-in", existing)).Trim();
        File.CreateSymbolicLink(Path.Combine(folder, existingHash + ".0"), "existing.pem");
        var leaf = CertificateMint.Issue(new CertificateMint.Spec { Subject = "CN=leaf.example" }, kit.Hierarchy.Intermediate);
        var leafPath = kit.WritePem(leaf);
        var untrustedPath = kit.NewPath("untrusted.pem");
        File.WriteAllText(untrustedPath, CertificateMint.ToPem(kit.Hierarchy.Intermediate));
        var verifyBefore = await Tools.RunAsync("openssl", ["verify", "-CApath", folder, "-untrusted", untrustedPath, leafPath]);
        Assert.NotEqual(0, verifyBefore.Code);

        var change = Merge(folder, kit.Hierarchy.Root);

        Assert.Equal(1, change.Added);
        var hash = (await KeystoreTestKit.Run("openssl", "x509", "-noout", "-subject_hash", "-in", kit.WritePem(kit.Hierarchy.Root))).Trim();
        var link = new FileInfo(Path.Combine(folder, hash + ".0"));
        Assert.NotNull(link.LinkTarget);
        var verify = await KeystoreTestKit.Run("openssl", "verify", "-CApath", folder, "-untrusted", untrustedPath, leafPath);
        Assert.Contains(": OK", verify);
        Assert.Equal("existing.pem", new FileInfo(Path.Combine(folder, existingHash + ".0")).LinkTarget);
        Assert.Single(KeystoreFile.Open(folder).Entries, e => e.Certificate?.Thumbprint == kit.Certificates[3].Thumbprint);
    }

    [Fact]
    public async Task Openssl_subject_hash_is_computed_as_openssl_does_for_odd_names()
    {
        // Raw names, because .NET's parser would normalize them: odd spacing and case, a multi-valued
        // RDN, PrintableString, IA5String (e-mail), BMPString and non-ASCII UTF8String values.
        byte[][] subjects =
        [
            Name(("2.5.4.3", UniversalTagNumber.UTF8String, "  Mixed   CASE  Name "), ("2.5.4.10", UniversalTagNumber.PrintableString, "Acme, Inc."), ("2.5.4.6", UniversalTagNumber.PrintableString, "DE")),
            Name(("2.5.4.3", UniversalTagNumber.UTF8String, "Ünïcödé Root"), ("2.5.4.11", UniversalTagNumber.BMPString, "  A \t B ")),
            Name(("1.2.840.113549.1.9.1", UniversalTagNumber.IA5String, "Admin@Example.org"), ("2.5.4.3", UniversalTagNumber.UTF8String, "x"), ("2.5.4.11", UniversalTagNumber.UTF8String, "y")),
        ];
        foreach (var subject in subjects)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            using var certificate = new CertificateRequest(new X500DistinguishedName(subject), key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            var expected = (await KeystoreTestKit.Run("openssl", "x509", "-noout", "-subject_hash", "-in", kit.WritePem(certificate))).Trim();
            Assert.Equal(expected, OpenSslSubjectHash.Of(certificate.SubjectName.RawData));
        }
    }

    /// <summary>A Name of one RDN per attribute, except the last two of a three-attribute name, which share one multi-valued RDN when the first is an e-mail.</summary>
    private static byte[] Name(params (string Oid, UniversalTagNumber Type, string Value)[] attributes)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            var multi = attributes[0].Oid == "1.2.840.113549.1.9.1";
            for (var i = 0; i < attributes.Length; i++)
            {
                using (writer.PushSetOf())
                {
                    foreach (var (oid, type, value) in multi && i == 1 ? attributes[1..] : [attributes[i]])
                    {
                        using (writer.PushSequence())
                        {
                            writer.WriteObjectIdentifier(oid);
                            writer.WriteCharacterString(type, value);
                        }
                    }
                }
                if (multi && i == 1)
                {
                    break;
                }
            }
        }
        return writer.Encode();
    }

    [Fact]
    public void A_pem_bundle_keeps_its_text_outside_certificate_blocks()
    {
        var path = kit.NewPath("bundle.pem");
        var original =
            "# Corporate bundle, managed by hand\n" +
            "Bag Attributes\n    friendlyName: first\n" +
            "subject=CN = Kit Trust Anchor 1\n" +
            CertificateMint.ToPem(kit.Certificates[0]) +
            "\nCertificate:\n    Data:\n        Version: 3 (0x2)\n" +
            CertificateMint.ToPem(kit.Certificates[1]) +
            "# trailing note\n";
        File.WriteAllText(path, original);

        var change = Merge(path, kit.Certificates[2]);

        Assert.Equal(1, change.Added);
        var text = File.ReadAllText(path);
        Assert.StartsWith(original, text);
        Assert.Contains(CertificateMint.ToPem(kit.Certificates[2]).Trim(), text);
    }

    [Fact]
    public void A_removed_pem_entry_takes_only_its_block_and_certheals_own_comment_with_it()
    {
        var path = kit.NewPath("bundle.pem");
        File.WriteAllText(path, "# kept note\n");
        KeystoreTestKit.Add(path, KeystoreFormat.PemBundle, kit.Certificates.Take(2));
        var before = File.ReadAllText(path);
        Assert.Contains("# CN=Kit Trust Anchor 1,", before);

        using (var pw = KeystoreTestKit.Pw())
        {
            KeystoreFile.Update(path, null, pw, keystore => keystore.Entries.Remove(keystore.Entries.Single(e => e.Certificate?.Thumbprint == kit.Certificates[0].Thumbprint)));
        }

        var after = File.ReadAllText(path);
        Assert.StartsWith("# kept note\n", after);
        Assert.DoesNotContain("Kit Trust Anchor 1", after);
        Assert.DoesNotContain(kit.Certificates[0].ExportCertificatePem(), after);
        Assert.Contains("# CN=Kit Trust Anchor 2,", after);
        Assert.Contains(kit.Certificates[1].ExportCertificatePem(), after);
    }

    [Fact]
    public void A_pem_file_with_the_x509_certificate_header_is_read_as_openssl_reads_it()
    {
        var path = kit.NewPath("x509.pem");
        File.WriteAllText(path, CertificateMint.ToPem(kit.Certificates[0]).Replace("BEGIN CERTIFICATE", "BEGIN X509 CERTIFICATE").Replace("END CERTIFICATE", "END X509 CERTIFICATE"));

        var keystore = KeystoreFile.Open(path);

        Assert.Equal(kit.Certificates[0].Thumbprint, Assert.Single(keystore.TrustedEntries).Certificate!.Thumbprint);
        Assert.Equal(0, Merge(path, kit.Certificates[0]).Added);
    }
}
