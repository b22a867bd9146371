using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Keystores;

/// <summary>How a keystore update is written.</summary>
public sealed class KeystoreWriteOptions
{
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Runs on the candidate before it replaces the live keystore; a non-null sentence refuses the write.</summary>
    public Func<Keystore, string?>? Validate { get; init; }

    /// <summary>Plan only: run the update and validation, write nothing.</summary>
    public bool WhatIf { get; init; }
}

/// <summary>What an update did to the file.</summary>
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
        var resolved = format ?? KeystoreFormats.Detect(path);
        switch (resolved)
        {
            case KeystoreFormat.Directory:
                if (!Directory.Exists(path))
                {
                    throw new KeystoreException(KeystoreErrorKind.NotFound, path, $"The keystore folder '{path}' does not exist; check the path.");
                }
                return DirectoryKeystore.Read(path);
            case KeystoreFormat.WindowsStore:
                return WindowsCertificateStore.Read(path);
        }
        if (!File.Exists(path))
        {
            throw new KeystoreException(KeystoreErrorKind.NotFound, path, $"The keystore '{path}' does not exist; check the path.");
        }
        return KeystoreFormats.Codec(resolved, path).Read(ReadBounded(path), path, password);
    }

    /// <summary>
    /// Re-reads the keystore under its lock (or starts an empty one), lets <paramref name="mutate"/>
    /// change it, and writes it back atomically if it changed. Two processes updating one
    /// keystore both end up in it, because each change is made to what the other wrote.
    /// </summary>
    public static KeystoreWriteResult Update(string path, KeystoreFormat? format, KeystorePassword? password,
        Func<Keystore, bool> mutate, KeystoreWriteOptions? options = null)
    {
        options ??= new KeystoreWriteOptions();
        path = Path.GetFullPath(path);
        var resolved = format ?? KeystoreFormats.Detect(path);
        if (resolved is KeystoreFormat.Directory or KeystoreFormat.WindowsStore)
        {
            return UpdateStore(path, resolved, mutate, options);
        }
        var folder = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(folder))
        {
            throw new KeystoreException(KeystoreErrorKind.NotFound, path, $"The folder '{folder}' of the keystore does not exist; create it first.");
        }
        var codec = KeystoreFormats.Codec(resolved, path);
        using var fileLock = options.WhatIf ? null : KeystoreLock.Acquire(path, options.LockTimeout);
        var before = File.Exists(path) ? ReadBounded(path) : null;
        var keystore = before is null ? new Keystore { Path = path, Format = resolved, IsNew = true } : codec.Read(before, path, password);
        if (!mutate(keystore))
        {
            return new KeystoreWriteResult(false, false, null, resolved);
        }
        var after = codec.Write(keystore, password);
        if (before is not null && before.AsSpan().SequenceEqual(after))
        {
            return new KeystoreWriteResult(false, false, null, resolved);
        }
        if (options.Validate?.Invoke(keystore) is { } refusal)
        {
            throw new KeystoreException(KeystoreErrorKind.ValidationFailed, path, refusal);
        }
        if (options.WhatIf)
        {
            return new KeystoreWriteResult(true, false, null, resolved);
        }
        var backup = before is null ? null : path + ".bak";
        Replace(path, after, codec, keystore, password, backup);
        return new KeystoreWriteResult(true, true, backup, resolved);
    }

    private static void Replace(string path, byte[] bytes, IKeystoreCodec codec, Keystore intended, KeystorePassword? password, string? backup)
    {
        var folder = Path.GetDirectoryName(path)!;
        var temp = Path.Combine(folder, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            var readBack = codec.Read(File.ReadAllBytes(temp), path, password);
            if (!SameEntries(intended, readBack))
            {
                throw new KeystoreException(KeystoreErrorKind.Corrupt, path,
                    $"The new version of '{path}' did not read back as written, so the keystore was left unchanged; this is a bug to report.");
            }
            if (backup is not null)
            {
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(temp, File.GetUnixFileMode(path));
                }
                File.Copy(path, backup, overwrite: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new KeystoreException(KeystoreErrorKind.ReadOnly, path, $"The keystore '{path}' or its folder is not writable, so it was left unchanged; check its permissions.", e);
        }
        catch (IOException e) when (e is not FileNotFoundException)
        {
            throw new KeystoreException(KeystoreErrorKind.ReadOnly, path, $"The keystore '{path}' could not be written ({e.Message.TrimEnd('.')}), so it was left unchanged.", e);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    private static KeystoreWriteResult UpdateStore(string path, KeystoreFormat format, Func<Keystore, bool> mutate, KeystoreWriteOptions options)
    {
        var before = format == KeystoreFormat.Directory ? DirectoryKeystore.Read(path) : WindowsCertificateStore.Read(path);
        var keystore = format == KeystoreFormat.Directory ? DirectoryKeystore.Read(path) : WindowsCertificateStore.Read(path);
        if (!mutate(keystore))
        {
            return new KeystoreWriteResult(false, false, null, format);
        }
        if (options.Validate?.Invoke(keystore) is { } refusal)
        {
            throw new KeystoreException(KeystoreErrorKind.ValidationFailed, path, refusal);
        }
        if (options.WhatIf)
        {
            return new KeystoreWriteResult(true, false, null, format);
        }
        var written = format == KeystoreFormat.Directory ? DirectoryKeystore.Apply(before, keystore) : WindowsCertificateStore.Apply(before, keystore);
        return new KeystoreWriteResult(written, written, null, format);
    }

    /// <summary>Same entries (type, certificate, and the alias where the format stores one), in any order.</summary>
    private static bool SameEntries(Keystore a, Keystore b)
    {
        var storesAliases = a.Format is KeystoreFormat.Jks or KeystoreFormat.Pkcs12;
        IEnumerable<string> Keys(Keystore k) => k.Entries
            .Select(e => $"{e.EntryType}|{(storesAliases ? e.Alias : "")}|{(e.Certificate is null ? "" : Convert.ToHexString(e.Certificate.RawData))}")
            .Order(StringComparer.Ordinal);
        return Keys(a).SequenceEqual(Keys(b));
    }

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
        Trust.TrustAnchors.FromCertificates(keystore.Path, keystore.TrustedEntries.Select(e => e.Certificate!));

    internal static IEnumerable<X509Certificate2> Certificates(Keystore keystore) => keystore.TrustedEntries.Select(e => e.Certificate!);
}
