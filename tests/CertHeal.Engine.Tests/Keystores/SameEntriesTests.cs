using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Keystores;

namespace CertHeal.Tests.Keystores;

/// <summary>
/// KeystoreFile.SameEntries, the read-back check of every keystore write and the "nothing
/// changed" test before one: the same entries in any order, with aliases compared as JKS and
/// PKCS#12 loaders key them (case-insensitively) and ignored where a format stores none.
/// </summary>
public sealed class SameEntriesTests
{
    private static readonly X509Certificate2[] Roots = [.. Enumerable.Range(0, 3).Select(Mint)];

    private static X509Certificate2 Mint(int i)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=Same Entries {i}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        return X509CertificateLoader.LoadCertificate(made.RawData);
    }

    private static Keystore Store(KeystoreFormat format, params (string Alias, int Root)[] entries)
    {
        var keystore = new Keystore { Path = "/nowhere/store", Format = format };
        foreach (var (alias, root) in entries)
        {
            keystore.Entries.Add(new KeystoreEntry { Alias = alias, EntryType = KeystoreEntryType.TrustedCertificate, Certificate = Roots[root] });
        }
        return keystore;
    }

    [Theory]
    [InlineData(KeystoreFormat.Jks)]
    [InlineData(KeystoreFormat.Pkcs12)]
    [InlineData(KeystoreFormat.PemBundle)]
    public void The_same_entries_in_another_order_and_alias_case_are_the_same(KeystoreFormat format) =>
        Assert.True(KeystoreFile.SameEntries(Store(format, ("a", 0), ("b", 1), ("c", 2)), Store(format, ("C", 2), ("a", 0), ("B", 1))));

    [Theory]
    [InlineData(KeystoreFormat.Jks)]
    [InlineData(KeystoreFormat.PemBundle)]
    public void A_missing_extra_or_other_certificate_differs(KeystoreFormat format)
    {
        var three = Store(format, ("a", 0), ("b", 1), ("c", 2));
        Assert.False(KeystoreFile.SameEntries(three, Store(format, ("a", 0), ("b", 1))));
        Assert.False(KeystoreFile.SameEntries(Store(format, ("a", 0), ("b", 1)), three));
        Assert.False(KeystoreFile.SameEntries(three, Store(format, ("a", 0), ("b", 1), ("c", 1))));
        Assert.False(KeystoreFile.SameEntries(three, Store(format, ("a", 0), ("b", 1), ("c", 2), ("d", 2))));
    }

    [Fact]
    public void An_alias_counts_only_where_the_format_stores_it()
    {
        Assert.False(KeystoreFile.SameEntries(Store(KeystoreFormat.Jks, ("a", 0), ("b", 1)), Store(KeystoreFormat.Jks, ("b", 0), ("a", 1))));
        Assert.False(KeystoreFile.SameEntries(Store(KeystoreFormat.Pkcs12, ("a", 0)), Store(KeystoreFormat.Pkcs12, ("z", 0))));
        Assert.True(KeystoreFile.SameEntries(Store(KeystoreFormat.PemBundle, ("a", 0), ("b", 1)), Store(KeystoreFormat.PemBundle, ("b", 0), ("a", 1))));
    }

    [Fact]
    public void An_entry_type_counts()
    {
        var other = Store(KeystoreFormat.Jks, ("a", 0));
        other.Entries[0].EntryType = KeystoreEntryType.PrivateKey;
        Assert.False(KeystoreFile.SameEntries(Store(KeystoreFormat.Jks, ("a", 0)), other));
    }
}
