using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Keystores;

/// <summary>
/// Makes a change to a Windows certificate store, which is a sequence of single adds and removes,
/// crash-safe: the set the store must end up with is written first (a file of concatenated DER
/// certificates, through StoreWrite, so it is whole or absent), then the store is brought to it,
/// then the journal is deleted. A writer killed after the journal is in place leaves it behind,
/// and the next open or update (under the same lock) finishes the change. A killed writer thus
/// leaves the old set (no journal yet) or, after recovery, the new one; never a mix.
/// Roll-forward makes the store equal to the journal, so a certificate someone else added to the
/// store between the crash and the recovery would be removed again; that window is the length of a crash.
/// </summary>
internal static class WindowsStoreJournal
{
    public static string JournalPath(string storePath, bool create = false) =>
        Path.Combine(CertificateStoreSeam.StateFolder("stores", create), CertificateStoreSeam.FileStem(storePath) + ".journal");

    /// <summary>The whole store before CertHeal's last change, as a PEM bundle a user can import again.</summary>
    public static string BackupPath(string storePath, bool create = false) =>
        Path.Combine(CertificateStoreSeam.StateFolder("stores", create), CertificateStoreSeam.FileStem(storePath) + ".bak.pem");

    public static bool Pending(string storePath) => File.Exists(JournalPath(storePath));

    /// <summary>Brings the store from <paramref name="before"/> to <paramref name="after"/>; the caller holds the store's lock.</summary>
    public static bool Apply(string storePath, ICertificateStoreBackend backend, IReadOnlyCollection<X509Certificate2> before, IReadOnlyCollection<X509Certificate2> after)
    {
        var beforeThumbprints = before.Select(c => c.Thumbprint).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var afterThumbprints = after.Select(c => c.Thumbprint).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (beforeThumbprints.SetEquals(afterThumbprints))
        {
            return false;
        }
        StoreWrite.Replace(BackupPath(storePath, create: true), System.Text.Encoding.ASCII.GetBytes(string.Concat(before.Select(c => NonCanonicalCertificate.Pem(c) + "\n"))));
        var journal = JournalPath(storePath, create: true);
        var bytes = Encode(after);
        StoreWrite.Replace(journal, bytes, written =>
        {
            if (!written.AsSpan().SequenceEqual(bytes))
            {
                throw new IOException($"the journal '{journal}' did not read back as written");
            }
        });
        Complete(storePath, backend, journal, after);
        return true;
    }

    /// <summary>Finishes the change a killed writer journaled; the caller holds the store's lock.</summary>
    public static void RollForward(string storePath, ICertificateStoreBackend backend)
    {
        var journal = JournalPath(storePath);
        if (File.Exists(journal))
        {
            Complete(storePath, backend, journal, Decode(File.ReadAllBytes(journal), journal));
        }
    }

    private static void Complete(string storePath, ICertificateStoreBackend backend, string journal, IReadOnlyCollection<X509Certificate2> target)
    {
        var wanted = target.Select(c => c.Thumbprint).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var present = backend.List();
        var presentThumbprints = present.Select(c => c.Thumbprint).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var removed in present.Where(c => !wanted.Contains(c.Thumbprint)))
        {
            backend.Remove(removed);
            KeystoreFaultPoints.Reach(KeystoreFaultPoints.BetweenStoreOperations, storePath);
        }
        foreach (var added in target.Where(c => !presentThumbprints.Contains(c.Thumbprint)))
        {
            backend.Add(added);
            KeystoreFaultPoints.Reach(KeystoreFaultPoints.BetweenStoreOperations, storePath);
        }
        KeystoreFaultPoints.Reach(KeystoreFaultPoints.BeforeJournalDelete, storePath);
        File.Delete(journal);
    }

    private static byte[] Encode(IEnumerable<X509Certificate2> certificates) =>
        certificates.SelectMany(NonCanonicalCertificate.Der).ToArray();

    /// <summary>DER is self-delimiting, so the certificates are simply concatenated.</summary>
    private static List<X509Certificate2> Decode(byte[] bytes, string journal)
    {
        var certificates = new List<X509Certificate2>();
        var offset = 0;
        try
        {
            while (offset < bytes.Length)
            {
                AsnDecoder.ReadEncodedValue(bytes.AsSpan(offset), AsnEncodingRules.DER, out _, out _, out var consumed);
                certificates.Add(NonCanonicalCertificate.Load(bytes.AsSpan(offset, consumed).ToArray()));
                offset += consumed;
            }
        }
        catch (Exception e) when (e is AsnContentException or System.Security.Cryptography.CryptographicException)
        {
            // StoreWrite puts a journal in place whole, so this is damage from outside CertHeal.
            throw new KeystoreException(KeystoreErrorKind.Corrupt, journal,
                $"The journal '{journal}' of an interrupted change is damaged, so the store was left as it is; delete the journal and, if needed, restore the store from its backup.", e);
        }
        return certificates;
    }
}
