using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Keystores;

/// <summary>
/// Makes a change to a <see cref="JournaledStore"/>, which is a sequence of single adds and
/// removes, crash-safe: the set the store must end up with is written first (a file of
/// concatenated DER certificates, through StoreWrite, so it is whole or absent), then the store is
/// brought to it, then the journal is deleted. A writer killed after the journal is in place
/// leaves it behind, and the next open or update (under the same lock) finishes the change. A
/// killed writer thus leaves the old set (no journal yet) or, after recovery, the new one; never a mix.
/// Roll-forward makes the store equal to the journal, so a certificate someone else added to the
/// store between the crash and the recovery would be removed again; that window is the length of a crash.
/// </summary>
internal static class StoreJournal
{
    /// <summary>Journals <paramref name="after"/> and brings the store to it; the caller holds the store's lock and has checked that something changes.</summary>
    public static void Apply(JournaledStore store, ICertificateStoreBackend backend, IReadOnlyCollection<X509Certificate2> after)
    {
        var journal = store.JournalPath(create: true);
        var bytes = Encode(after);
        StoreWrite.Replace(journal, bytes, written =>
        {
            if (!written.AsSpan().SequenceEqual(bytes))
            {
                throw new IOException($"the journal '{journal}' did not read back as written");
            }
        });
        Complete(store.Path, backend, journal, after);
    }

    /// <summary>Finishes the change a killed writer journaled; the caller holds the store's lock.</summary>
    public static void RollForward(JournaledStore store, ICertificateStoreBackend backend)
    {
        var journal = store.JournalPath();
        if (File.Exists(journal))
        {
            Complete(store.Path, backend, journal, Decode(File.ReadAllBytes(journal), journal));
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
