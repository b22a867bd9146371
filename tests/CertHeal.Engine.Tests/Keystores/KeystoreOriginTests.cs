using CertHeal.Keystores;

namespace CertHeal.Tests.Keystores;

/// <summary>
/// An entry carries its origin in its own store's format; a codec that meets another format's
/// origin (an entry copied from one store into another) writes the entry as new.
/// </summary>
public sealed class KeystoreOriginTests(KeystoreTestKit kit) : IClassFixture<KeystoreTestKit>
{
    [Fact]
    public void Entries_copied_from_a_folder_into_a_PEM_bundle_are_written_as_certificates_without_the_folder_file_names()
    {
        var folder = kit.NewPath("certs");
        KeystoreTestKit.Add(folder, KeystoreFormat.Directory, kit.Certificates[..2]);
        var source = KeystoreFile.Open(folder);
        Assert.All(source.Entries, e => Assert.IsType<FolderFileOrigin>(e.Origin));
        var bundle = kit.NewPath("copied.pem");

        var result = KeystoreFile.Update(bundle, KeystoreFormat.PemBundle, null, k =>
        {
            k.Entries.AddRange(source.Entries);
            return true;
        });

        Assert.True(result.Written);
        var text = File.ReadAllText(bundle);
        Assert.DoesNotContain(folder, text, StringComparison.Ordinal);
        var read = KeystoreFile.Open(bundle);
        Assert.Equal(kit.Certificates[..2].Select(c => c.Thumbprint).Order(), read.TrustedEntries.Select(e => e.Certificate!.Thumbprint).Order());
        Assert.Equal(2, read.Entries.Count);
    }

    [Fact]
    public void Entries_copied_from_a_JKS_store_into_a_folder_are_written_as_files()
    {
        var jks = kit.NewPath("source.jks");
        KeystoreTestKit.Add(jks, KeystoreFormat.Jks, kit.Certificates[2..4]);
        using var password = KeystoreTestKit.Pw();
        var source = KeystoreFile.Open(jks, null, password);
        Assert.All(source.Entries, e => Assert.IsType<JksEntryOrigin>(e.Origin));
        var folder = kit.NewPath("from-jks");

        var result = KeystoreFile.Update(folder, KeystoreFormat.Directory, null, k =>
        {
            k.Entries.AddRange(source.Entries);
            return true;
        });

        Assert.True(result.Written);
        var read = KeystoreFile.Open(folder);
        Assert.Equal(kit.Certificates[2..4].Select(c => c.Thumbprint).Order(), read.TrustedEntries.Select(e => e.Certificate!.Thumbprint).Order());
        Assert.All(read.Entries, e => Assert.StartsWith(folder, Assert.IsType<FolderFileOrigin>(e.Origin).Path, StringComparison.Ordinal));
    }

    [Fact]
    public void A_JCEKS_store_stays_JCEKS_and_a_new_store_is_JKS()
    {
        var jks = kit.NewPath("new.jks");
        KeystoreTestKit.Add(jks, KeystoreFormat.Jks, kit.Certificates[4..5]);
        Assert.Equal(JksCodec.JksMagic, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(File.ReadAllBytes(jks)));
        var jceks = kit.NewPath("store.jceks");
        var bytes = File.ReadAllBytes(jks);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, JksCodec.JceksMagic);
        using var password = KeystoreTestKit.Pw();
        // The integrity digest covers the magic, so the renamed copy is resealed through the codec itself.
        var codec = new JksCodec();
        var read = codec.Read(bytes, jceks, null);
        Assert.Equal(JksCodec.JceksMagic, Assert.IsType<JksStoreOrigin>(read.Origin).Magic);
        File.WriteAllBytes(jceks, codec.Write(read, password));

        KeystoreTestKit.Add(jceks, KeystoreFormat.Jks, kit.Certificates[5..6]);

        Assert.Equal(JksCodec.JceksMagic, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(File.ReadAllBytes(jceks)));
        Assert.Equal(2, KeystoreFile.Open(jceks, null, password).TrustedEntries.Count());
    }
}
