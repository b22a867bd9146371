using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Keystores;

/// <summary>How a keystore update is written.</summary>
public sealed class SaveOptions
{
    /// <summary>How long to wait for another writer's lock; a merge is short, so 30 s means a stuck process.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Runs on the candidate as read back from the temporary file (what would really be in
    /// place), before it replaces the live keystore; a non-null sentence refuses the write and
    /// leaves the live keystore byte-identical.
    /// </summary>
    public Func<Keystore, string?>? Validate { get; init; }

    /// <summary>Plan only: run the update and validation, write nothing.</summary>
    public bool WhatIf { get; init; }

    /// <summary>Ctrl+C: honoured until the new version replaces the old one, never after (no torn store).</summary>
    public CancellationToken Cancellation { get; init; }
}

/// <summary>What an update did to the file: <see cref="Changed"/> is the plan, <see cref="Written"/> whether the file was replaced.</summary>
public sealed record KeystoreWriteResult(bool Changed, bool Written, string? BackupPath, KeystoreFormat Format);

/// <summary>
/// The one path every keystore read and write goes through. Writes are atomic: under a lock,
/// the keystore is re-read, changed, serialized to a temporary file in the same folder,
/// flushed, read back and compared, the old file is kept as `.bak`, and a rename replaces it.
/// A crash at any moment leaves the old or the new keystore, never a torn one; when nothing
/// changed nothing is written, so bytes and timestamps stay as they were.
/// </summary>
public static class KeystoreFile
{
    private const long MaxKeystoreBytes = 64L * 1024 * 1024;

    public static Keystore Open(string path, KeystoreFormat? format = null, KeystorePassword? password = null)
    {
        path = FullPath(path);
        var resolved = format ?? KeystoreFormats.Detect(path);
        switch (resolved)
        {
            case KeystoreFormat.Directory:
                if (!Directory.Exists(path))
                {
                    throw new KeystoreException(KeystoreErrorKind.NotFound, path, $"The keystore folder '{path}' does not exist; check the path.");
                }
                return DirectoryKeystore.Read(path);
            case KeystoreFormat.WindowsStore or KeystoreFormat.Nss:
                return JournaledStoreOf(path, resolved).Open(new SaveOptions().LockTimeout);
        }
        if (Directory.Exists(path))
        {
            throw new KeystoreException(KeystoreErrorKind.Unsupported, path, $"'{path}' is a folder, not a {resolved} file; to read it as a folder of certificates, ", RemedyKind.DropFormat);
        }
        if (!File.Exists(path))
        {
            throw new KeystoreException(KeystoreErrorKind.NotFound, path, $"The keystore '{path}' does not exist; check the path.");
        }
        var bytes = ReadBounded(path);
        var keystore = bytes.Length == 0
            ? new Keystore { Path = path, Format = resolved }
            : KeystoreFormats.Codec(resolved, path).Read(bytes, path, password);
        keystore.SourceDigest = SHA256.HashData(bytes);
        return keystore;
    }

    /// <summary>
    /// Writes <paramref name="keystore"/> (from <see cref="Open"/>, or new) as the whole content of
    /// its file. It refuses when the file changed since it was opened, because saving would drop
    /// what the other writer added; merges that must survive concurrent writers use <see cref="Update"/>.
    /// </summary>
    public static KeystoreWriteResult Save(Keystore keystore, KeystorePassword? password, SaveOptions? options = null)
    {
        Keystore? live = null;
        var result = Update(keystore.Path, keystore.Format, password, current =>
        {
            live = current;
            if (keystore.Format is not (KeystoreFormat.Directory or KeystoreFormat.WindowsStore or KeystoreFormat.Nss) && current.Entries.Count > 0
                && (keystore.SourceDigest is null || current.SourceDigest is null || !keystore.SourceDigest.AsSpan().SequenceEqual(current.SourceDigest)))
            {
                throw new KeystoreException(KeystoreErrorKind.Locked, current.Path,
                    $"The keystore '{current.Path}' was changed by another process after it was read, so it was left unchanged; read it again and repeat the change.");
            }
            current.Entries.Clear();
            current.Entries.AddRange(keystore.Entries);
            return true;
        }, options);
        if (live?.SourceDigest is { } digest)
        {
            keystore.SourceDigest = digest;
        }
        return result;
    }

    /// <summary>
    /// Re-reads the keystore under its lock (or starts an empty one), lets <paramref name="mutate"/>
    /// change it, and writes it back atomically if it changed. Two processes updating one
    /// keystore both end up in it, because each change is made to what the other wrote.
    /// </summary>
    public static KeystoreWriteResult Update(string path, KeystoreFormat? format, KeystorePassword? password,
        Func<Keystore, bool> mutate, SaveOptions? options = null)
    {
        options ??= new SaveOptions();
        path = FullPath(path);
        var resolved = format ?? KeystoreFormats.Detect(path);
        if (resolved is KeystoreFormat.Directory or KeystoreFormat.WindowsStore or KeystoreFormat.Nss)
        {
            return UpdateStore(path, resolved, mutate, options);
        }
        if (Directory.Exists(path))
        {
            throw new KeystoreException(KeystoreErrorKind.Unsupported, path, $"'{path}' is a folder, not a {resolved} file; to use it as a folder of certificates, ", RemedyKind.DropFormat);
        }
        var folder = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(folder))
        {
            throw new KeystoreException(KeystoreErrorKind.NotFound, path, $"The folder '{folder}' of the keystore does not exist; create it first.");
        }
        var codec = KeystoreFormats.Codec(resolved, path);
        using var fileLock = options.WhatIf ? null : KeystoreLock.Acquire(path, options.LockTimeout);
        if (fileLock is not null)
        {
            StoreWrite.RemoveStaleTemporaryFiles(path);
        }
        var before = File.Exists(path) ? ReadBounded(path) : null;
        var keystore = before is null || before.Length == 0
            ? new Keystore { Path = path, Format = resolved, IsNew = before is null }
            : codec.Read(before, path, password);
        keystore.SourceDigest = before is null ? null : SHA256.HashData(before);
        options.Cancellation.ThrowIfCancellationRequested();
        var entriesBefore = before is null ? null : EntryKeys(keystore);
        // A mutation that leaves the same entries is no change, even where a rewrite would differ
        // in bytes (PKCS#12 draws a fresh MAC salt; a PEM bundle's own comments would be normalized).
        if (!mutate(keystore) || entriesBefore is not null && entriesBefore.SequenceEqual(EntryKeys(keystore)))
        {
            return new KeystoreWriteResult(false, false, null, resolved);
        }
        options.Cancellation.ThrowIfCancellationRequested();
        CheckAliases(keystore);
        var after = codec.Write(keystore, password);
        if (before is not null && before.AsSpan().SequenceEqual(after))
        {
            return new KeystoreWriteResult(false, false, null, resolved);
        }
        if (options.WhatIf)
        {
            if (options.Validate?.Invoke(keystore) is { } refusal)
            {
                throw Refused(path, refusal);
            }
            return new KeystoreWriteResult(true, false, null, resolved);
        }
        if (before is not null)
        {
            EnsureWritable(path);
        }
        var backup = before is null ? null : path + ".bak";
        options.Cancellation.ThrowIfCancellationRequested();
        Replace(path, after, codec, keystore, password, backup, options.Validate);
        keystore.SourceDigest = SHA256.HashData(after);
        return new KeystoreWriteResult(true, true, backup, resolved);
    }

    private static void Replace(string path, byte[] bytes, IKeystoreCodec codec, Keystore intended, KeystorePassword? password, string? backup,
        Func<Keystore, string?>? validate)
    {
        try
        {
            StoreWrite.Replace(path, bytes, written =>
            {
                Keystore readBack;
                var intendedCertificates = new HashSet<X509Certificate2>(intended.Entries.Select(e => e.ParsedCertificate).OfType<X509Certificate2>(), ReferenceEqualityComparer.Instance);
                using (CertificateReuse.Open(intendedCertificates))
                {
                    readBack = codec.Read(written, path, password);
                }
                try
                {
                    if (!SameEntries(intended, readBack))
                    {
                        throw new KeystoreException(KeystoreErrorKind.Corrupt, path,
                            $"The new version of '{path}' did not read back as written, so the keystore was left unchanged; this is a bug to report.");
                    }
                    if (validate?.Invoke(readBack) is { } refusal)
                    {
                        throw Refused(path, refusal);
                    }
                }
                finally
                {
                    // The read-back copy is only compared: its own parsed certificates are freed now, not by the finalizer.
                    foreach (var certificate in readBack.Entries.Select(e => e.ParsedCertificate).OfType<X509Certificate2>().Where(c => !intendedCertificates.Contains(c)))
                    {
                        certificate.Dispose();
                    }
                }
            }, backup);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new KeystoreException(KeystoreErrorKind.ReadOnly, path, $"The keystore '{path}' or its folder is not writable, so it was left unchanged; check its permissions.", e);
        }
        catch (IOException e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new KeystoreException(KeystoreErrorKind.NotFound, path,
                $"The keystore '{path}' or its folder was removed while it was being written, so nothing was written; check the path and merge again.", e);
        }
        catch (IOException e)
        {
            throw new KeystoreException(KeystoreErrorKind.ReadOnly, path, $"The keystore '{path}' could not be written ({e.Message.TrimEnd('.')}), so it was left unchanged.", e);
        }
    }

    private static KeystoreException Refused(string path, string refusal) =>
        new(KeystoreErrorKind.ValidationFailed, path, $"The keystore '{path}' was left unchanged because the new version failed validation: {refusal}");

    /// <summary>
    /// A rename replaces even a read-only file on Unix, so the file's own write permission is
    /// checked first: a keystore someone made read-only is not silently replaced.
    /// </summary>
    internal static void EnsureWritable(string path)
    {
        try
        {
            if (OperatingSystem.IsWindows() && File.GetAttributes(path).HasFlag(FileAttributes.ReadOnly))
            {
                throw new UnauthorizedAccessException();
            }
            using var probe = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new KeystoreException(KeystoreErrorKind.ReadOnly, path, $"The keystore '{path}' is read-only, so it was left unchanged; make it writable or choose another keystore.", e);
        }
    }

    /// <summary>
    /// JKS and PKCS#12 loaders (Java's included) key entries by lower-cased alias, so two entries
    /// differing only in case would silently become one: refuse instead of losing an entry.
    /// </summary>
    private static void CheckAliases(Keystore keystore)
    {
        if (keystore.Format is not (KeystoreFormat.Jks or KeystoreFormat.Pkcs12))
        {
            return;
        }
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in keystore.Entries)
        {
            if (string.IsNullOrEmpty(entry.Alias))
            {
                throw new KeystoreException(KeystoreErrorKind.ValidationFailed, keystore.Path, $"An entry for '{keystore.Path}' has no alias; give every entry an alias (KeystoreAliases.Derive makes one).");
            }
            if (!seen.Add(entry.Alias))
            {
                throw new KeystoreException(KeystoreErrorKind.ValidationFailed, keystore.Path,
                    $"Two entries of '{keystore.Path}' would share the alias '{entry.Alias}' (aliases are not case-sensitive), so the keystore was left unchanged; choose another alias.");
            }
        }
    }

    private static KeystoreWriteResult UpdateStore(string path, KeystoreFormat format, Func<Keystore, bool> mutate, SaveOptions options)
    {
        // Folder, Windows and NSS stores are re-read and changed under a lock too, so two merges
        // into one store both end up in it (each sees what the other wrote).
        var journaled = format == KeystoreFormat.Directory ? null : JournaledStoreOf(path, format);
        journaled?.EnsureAvailable();
        using var storeLock = options.WhatIf ? null : AcquireStoreLock(path, journaled, options.LockTimeout);
        if (storeLock is not null && journaled is null)
        {
            StoreWrite.RemoveStaleTemporaryFilesIn(path);
        }
        if (storeLock is not null)
        {
            journaled?.Recover();
        }
        var before = journaled is null ? DirectoryKeystore.Read(path) : journaled.Read();
        var keystore = journaled is null ? DirectoryKeystore.Read(path) : journaled.Read();
        if (!mutate(keystore))
        {
            return new KeystoreWriteResult(false, false, null, format);
        }
        if (options.Validate?.Invoke(keystore) is { } refusal)
        {
            throw Refused(path, refusal);
        }
        if (options.WhatIf)
        {
            return new KeystoreWriteResult(true, false, null, format);
        }
        try
        {
            if (journaled is null)
            {
                var written = DirectoryKeystore.Apply(before, keystore);
                return new KeystoreWriteResult(written, written, null, format);
            }
            var backup = journaled.Apply(before, keystore);
            return new KeystoreWriteResult(backup is not null, backup is not null, backup, format);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new KeystoreException(KeystoreErrorKind.ReadOnly, path, $"The keystore '{path}' is not writable; check its permissions.", e);
        }
        catch (IOException e)
        {
            throw new KeystoreException(KeystoreErrorKind.ReadOnly, path, $"The keystore '{path}' could not be written ({e.Message.TrimEnd('.')}).", e);
        }
    }

    /// <summary>The multi-step store behind a Cert:\ or NSS path.</summary>
    internal static JournaledStore JournaledStoreOf(string path, KeystoreFormat format) =>
        format == KeystoreFormat.Nss ? NssDatabase.For(path) : WindowsCertificateStore.For(path);

    /// <summary>
    /// A folder's lock lives inside it (`.certheal.lock`, ignored as a certificate file) because
    /// its parent, e.g. /etc/ssl, may not be writable; a journaled store's lock lives where the
    /// store keeps its journal (the per-user CertHeal folder for a Windows store, the NSS database's folder).
    /// </summary>
    private static KeystoreLock AcquireStoreLock(string path, JournaledStore? journaled, TimeSpan timeout)
    {
        if (journaled is null)
        {
            try
            {
                Directory.CreateDirectory(path);
            }
            catch (UnauthorizedAccessException e)
            {
                throw new KeystoreException(KeystoreErrorKind.ReadOnly, path, $"The keystore folder '{path}' cannot be created; check the permissions of its parent.", e);
            }
            return KeystoreLock.Acquire(Path.Combine(path, ".certheal"), timeout);
        }
        return KeystoreLock.Acquire(journaled.LockPath, timeout);
    }

    /// <summary>
    /// Same entries (type, certificate, the alias where the format stores one, and the exact
    /// bytes of entries CertHeal only copies), in any order. Certificates are compared by their
    /// bytes, so a deferred one (<see cref="CertificateDeferral"/>) is not parsed to be compared.
    /// </summary>
    internal static bool SameEntries(Keystore a, Keystore b) => EntryKeys(a).SequenceEqual(EntryKeys(b));

    private static EntryKey[] EntryKeys(Keystore keystore)
    {
        var storesAliases = keystore.Format is KeystoreFormat.Jks or KeystoreFormat.Pkcs12;
        // Keys made of the strings the entries already hold: they are built three times per write, and
        // joining them into new strings made 20,000 more strings of garbage each time in a large merge.
        var keys = keystore.Entries
            .Select(e => new EntryKey(
                e.EntryType,
                storesAliases ? e.Alias.ToLowerInvariant() : "",
                e.Sha256Fingerprint ?? "",
                e.EntryType == KeystoreEntryType.TrustedCertificate && e.Sha256Fingerprint is not null ? "" : e.Origin?.ReadBackKey ?? ""))
            .ToArray();
        Array.Sort(keys);
        return keys;
    }

    /// <summary>What identifies an entry for <see cref="SameEntries"/>: its type, alias where stored, certificate, and the copied bytes of what CertHeal only copies.</summary>
    private readonly record struct EntryKey(KeystoreEntryType Type, string Alias, string Fingerprint, string ReadBack) : IComparable<EntryKey>
    {
        public int CompareTo(EntryKey other)
        {
            var order = Type.CompareTo(other.Type);
            order = order != 0 ? order : string.CompareOrdinal(Alias, other.Alias);
            order = order != 0 ? order : string.CompareOrdinal(Fingerprint, other.Fingerprint);
            return order != 0 ? order : string.CompareOrdinal(ReadBack, other.ReadBack);
        }
    }

    private static string FullPath(string path) => KeystoreFormats.FullPath(path);

    private static byte[] ReadBounded(string path)
    {
        try
        {
            if (new FileInfo(path).Length > MaxKeystoreBytes)
            {
                throw new KeystoreException(KeystoreErrorKind.Corrupt, path, $"The keystore '{path}' is larger than 64 MiB; it is not a keystore CertHeal reads.");
            }
            return File.ReadAllBytes(path);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new KeystoreException(KeystoreErrorKind.ReadOnly, path, $"The keystore '{path}' cannot be read; check its permissions.", e);
        }
    }

    /// <summary>The trusted certificates of a keystore, as anchors for probes and chain building.</summary>
    public static Trust.TrustAnchors Anchors(Keystore keystore) =>
        Trust.TrustAnchors.FromCertificates(keystore.Path, keystore.TrustedEntries.Select(e => e.Certificate!), consumers: KeystoreConsumers.Families(keystore.Format));

    internal static IEnumerable<X509Certificate2> Certificates(Keystore keystore) => keystore.TrustedEntries.Select(e => e.Certificate!);
}
