using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using CertHeal.Chains;
using CertHeal.Keystores;

namespace CertHeal.Tests.Keystores;

/// <summary>
/// Issue #20: odd but signed self-signed roots (OddCertificateCorpus) merged under
/// TrustOnFirstUse into stores made by their own tools. Afterwards keytool, openssl and .NET
/// must still load every store, and the merge must have Skipped, with the reason, exactly the
/// certificates the store's consumer refuses, and Added the rest. The first test proves each
/// expected refusal with the real consumer, so the skip rules cannot drift into guesses.
/// </summary>
public sealed partial class OddCertificateCorpusTests(KeystoreTestKit kit) : IClassFixture<KeystoreTestKit>
{
    private const string Pw = KeystoreTestKit.Password;

    // One corpus per run: the merges and the proofs see the same bytes.
    private static readonly Lazy<IReadOnlyList<OddCertificateCorpus.Odd>> Corpus = new(OddCertificateCorpus.Create);

    private const string JdkCacerts = "/etc/ssl/certs/java/cacerts";

    /// <summary>
    /// The consumer's own verdict on a store that holds just this certificate, written past
    /// the merge's rules by the codec: keytool -list fails on a JKS or PKCS#12 exactly for the
    /// certificates the merge skips for Java, `openssl verify` rejects exactly those it skips for
    /// OpenSSL, and `openssl x509` reads all of them (its decoder refuses none of the corpus).
    /// </summary>
    [Fact]
    public async Task Each_consumer_refuses_exactly_the_certificates_the_merge_skips_for_its_stores()
    {
        var failures = new List<string>();
        foreach (var odd in Corpus.Value)
        {
            var certificate = NonCanonicalCertificate.Load(odd.Der);
            foreach (var (format, type) in new[] { (KeystoreFormat.Jks, "JKS"), (KeystoreFormat.Pkcs12, "PKCS12") })
            {
                var path = kit.NewPath($"proof.{type.ToLowerInvariant()}");
                using (var pw = KeystoreTestKit.Pw())
                {
                    KeystoreFile.Update(path, format, pw, keystore =>
                    {
                        keystore.Entries.Add(new KeystoreEntry { Alias = "odd", EntryType = KeystoreEntryType.TrustedCertificate, Certificate = certificate });
                        return true;
                    });
                }
                var (code, stdout, stderr) = await Tools.RunAsync("keytool", ["-list", "-keystore", path, "-storetype", type, "-storepass", Pw], timeoutSeconds: 60);
                if ((code != 0) != (odd.Java is not null))
                {
                    failures.Add($"{odd.Name}: keytool -list of a {type} holding it exited {code}, expected {(odd.Java is null ? "success" : "a refusal")}: {stdout}{stderr}".Trim());
                }
            }
            var pem = kit.NewPath("proof.pem");
            await File.WriteAllTextAsync(pem, OddCertificateCorpus.Pem(odd.Der));
            var x509 = await Tools.RunAsync("openssl", ["x509", "-in", pem, "-noout"], timeoutSeconds: 60);
            if (x509.Code != 0)
            {
                failures.Add($"{odd.Name}: openssl x509 does not read it: {x509.Stderr}");
            }
            var verify = await Tools.RunAsync("openssl", ["verify", "-CAfile", pem, pem], timeoutSeconds: 60);
            if ((verify.Code != 0) != (odd.OpenSsl is not null))
            {
                failures.Add($"{odd.Name}: openssl verify with it as the only anchor exited {verify.Code}, expected {(odd.OpenSsl is null ? "success" : "a refusal")}: {verify.Stdout}{verify.Stderr}".Trim());
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [SkippableTheory]
    [InlineData("jks")]
    [InlineData("cacerts")]
    [InlineData("pkcs12")]
    [InlineData("pem")]
    [InlineData("folder")]
    public async Task A_TrustOnFirstUse_merge_of_the_corpus_leaves_every_store_loadable_and_skips_what_its_consumer_refuses(string kind)
    {
        var (path, format) = await MakeStoreAsync(kind);
        var java = format is KeystoreFormat.Jks or KeystoreFormat.Pkcs12;
        var input = kit.NewPath("corpus.pem");
        await File.WriteAllTextAsync(input, string.Concat(Corpus.Value.Select(o => OddCertificateCorpus.Pem(o.Der))));
        var before = await EntryCountAsync(path, format);

        KeystoreChange change;
        using (var pw = KeystoreTestKit.Pw())
        {
            // Through the same input reader as `certheal merge --file`, which keeps each certificate's own bytes.
            change = KeystoreMerger.Merge(path, null, pw, CertificateInput.FromFile(input), KeystoreTestKit.TrustOnFirstUse(), new SaveOptions());
        }

        Assert.Equal(format.ToString(), change.Format);
        var failures = new List<string>();
        foreach (var odd in Corpus.Value)
        {
            var fingerprint = KeystoreTestKit.Sha256(odd.Der);
            var entry = change.Entries.SingleOrDefault(e => e.Sha256Fingerprint == fingerprint);
            var expected = odd.Everywhere ?? (java ? odd.Java : odd.OpenSsl);
            if (entry is null)
            {
                failures.Add($"{odd.Name}: not reported");
            }
            else if (expected is null && entry.Action != KeystoreChangeAction.Added)
            {
                failures.Add($"{odd.Name}: {entry.Action} ({entry.Reason}), expected Added");
            }
            else if (expected is not null && (entry.Action != KeystoreChangeAction.Skipped || entry.Reason?.Contains(expected, StringComparison.Ordinal) != true))
            {
                failures.Add($"{odd.Name}: {entry.Action} ({entry.Reason}), expected Skipped naming \"{expected}\"");
            }
            else if (expected is not null && !entry.Subject.Contains("CN=Odd ", StringComparison.Ordinal))
            {
                failures.Add($"{odd.Name}: Skipped without its subject ({entry.Subject})");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        var added = Corpus.Value.Count(o => (o.Everywhere ?? (java ? o.Java : o.OpenSsl)) is null);
        Assert.Equal(added, change.Added);
        Assert.Equal(Corpus.Value.Count - added, change.Skipped);
        Assert.True(change.Written);

        // Every consumer still loads the whole store, with every entry in it.
        Assert.Equal(before + added, await EntryCountAsync(path, format));
        Assert.Equal(before + added, DotNetCount(path, format));
    }

    /// <summary>A store made by its own tool with one ordinary root in it (or a copy of the JDK's cacerts, the store of the issue).</summary>
    private async Task<(string Path, KeystoreFormat Format)> MakeStoreAsync(string kind)
    {
        var seed = kit.WritePem(kit.Certificates[0]);
        switch (kind)
        {
            case "jks":
            case "pkcs12":
                var path = kit.NewPath(kind == "jks" ? "store.jks" : "store.p12");
                await KeystoreTestKit.Run("keytool", "-importcert", "-noprompt", "-alias", "seed", "-file", seed, "-keystore", path, "-storetype", kind.ToUpperInvariant(), "-storepass", Pw);
                return (path, kind == "jks" ? KeystoreFormat.Jks : KeystoreFormat.Pkcs12);
            case "cacerts":
                Skip.IfNot(File.Exists(JdkCacerts), $"no JDK cacerts at {JdkCacerts}");
                var copy = kit.NewPath("cacerts");
                File.Copy(JdkCacerts, copy);
                return (copy, KeystoreFormat.Jks);
            case "pem":
                var bundle = kit.NewPath("bundle.pem");
                await KeystoreTestKit.Run("openssl", "x509", "-in", seed, "-out", bundle);
                return (bundle, KeystoreFormat.PemBundle);
            default:
                // A folder as `openssl rehash` leaves it: the file and its subject-hash link.
                var folder = kit.NewPath("certs");
                Directory.CreateDirectory(folder);
                File.Copy(seed, Path.Combine(folder, "seed.pem"));
                var hash = (await KeystoreTestKit.Run("openssl", "x509", "-in", seed, "-noout", "-subject_hash")).Trim();
                File.CreateSymbolicLink(Path.Combine(folder, hash + ".0"), "seed.pem");
                return (folder, KeystoreFormat.Directory);
        }
    }

    /// <summary>The entries keytool or openssl loads from the store; the test fails when the tool refuses it.</summary>
    private static async Task<int> EntryCountAsync(string path, KeystoreFormat format)
    {
        switch (format)
        {
            case KeystoreFormat.Jks:
            case KeystoreFormat.Pkcs12:
                var list = await KeystoreTestKit.Run("keytool", "-list", "-keystore", path, "-storetype", format == KeystoreFormat.Jks ? "JKS" : "PKCS12", "-storepass", Pw);
                var count = int.Parse(KeytoolCount().Match(list).Groups[1].Value);
                if (format == KeystoreFormat.Pkcs12)
                {
                    var certificates = await KeystoreTestKit.Run("openssl", "pkcs12", "-in", path, "-passin", $"pass:{Pw}", "-nokeys");
                    Assert.Equal(count, Regex.Count(certificates, "-----BEGIN CERTIFICATE-----"));
                }
                return count;
            case KeystoreFormat.PemBundle:
                var pkcs7 = await KeystoreTestKit.Run("openssl", "crl2pkcs7", "-nocrl", "-certfile", path);
                Assert.Contains("BEGIN PKCS7", pkcs7);
                return Regex.Count(await KeystoreTestKit.Run("openssl", "storeutl", "-certs", path), "-----BEGIN CERTIFICATE-----");
            default:
                // CertHeal's lock file (.certheal.lock) is hidden and not a certificate; OpenSSL's
                // -CApath lookup never opens it, since it looks files up by subject-hash name.
                var files = CertificateFiles(path);
                foreach (var file in files)
                {
                    await KeystoreTestKit.Run("openssl", "x509", "-in", file, "-noout");
                }
                // Each certificate file has its subject-hash link, which OpenSSL's -CApath lookup needs.
                var links = files.Where(f => new FileInfo(f).LinkTarget is not null).ToList();
                Assert.Equal(files.Length - links.Count, links.Count);
                Assert.All(links, link => Assert.Matches(@"^[0-9a-f]{8}\.\d+$", Path.GetFileName(link)));
                return files.Length - links.Count;
        }
    }

    /// <summary>What .NET's own loaders read from the store (CertHeal's reader for JKS, which .NET has none for).</summary>
    private static int DotNetCount(string path, KeystoreFormat format)
    {
        switch (format)
        {
            case KeystoreFormat.Pkcs12:
                return X509CertificateLoader.LoadPkcs12CollectionFromFile(path, Pw, X509KeyStorageFlags.DefaultKeySet, Pkcs12LoaderLimits.DangerousNoLimits).Count;
            case KeystoreFormat.PemBundle:
                var collection = new X509Certificate2Collection();
                collection.ImportFromPemFile(path);
                return collection.Count;
            case KeystoreFormat.Directory:
                return CertificateFiles(path).Where(f => new FileInfo(f).LinkTarget is null)
                    .Select(X509CertificateLoader.LoadCertificateFromFile).Count();
            default:
                using (var pw = KeystoreTestKit.Pw())
                {
                    return KeystoreFile.Open(path, format, pw).TrustedEntries.Count();
                }
        }
    }

    private static string[] CertificateFiles(string folder) => [.. Directory.GetFiles(folder).Where(f => !Path.GetFileName(f).StartsWith('.'))];

    [GeneratedRegex(@"Your keystore contains (\d+) entr")]
    private static partial Regex KeytoolCount();
}
