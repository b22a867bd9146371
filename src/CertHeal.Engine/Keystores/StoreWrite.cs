namespace CertHeal.Keystores;

/// <summary>
/// The one place a CertHeal file is replaced on disk (keystore files, each file of a folder
/// store, trust-ledger records, exported bundles). A new version goes to a hidden temporary
/// sibling (same folder, so the rename is atomic), is flushed, read back and verified, the old
/// version is kept as a backup that is itself written aside and renamed (a crash never tears
/// it), and a rename puts the new version in place. Fault points sit at each step so the
/// reliability suite can kill a writer there. Callers hold the store's <see cref="KeystoreLock"/>
/// where writers can race; this class only makes each single file replacement crash-safe.
/// </summary>
internal static class StoreWrite
{
    private const string TemporarySuffix = ".tmp";

    /// <summary>
    /// Writes <paramref name="bytes"/> as <paramref name="path"/>. <paramref name="verify"/> gets
    /// the bytes as read back from the temporary file and throws to refuse the write (the live
    /// file then stays byte-identical). A non-null <paramref name="backup"/> receives the previous
    /// version, when there is one.
    /// </summary>
    /// <param name="flush">False only where many small records are seeded at once (tests, imports); a kill still leaves each record whole.</param>
    internal static void Replace(string path, ReadOnlySpan<byte> bytes, Action<byte[]>? verify = null, string? backup = null, bool flush = true)
    {
        var temp = TemporaryName(path);
        string? backupTemp = null;
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                KeystoreFaultPoints.Reach(KeystoreFaultPoints.AfterTempWrite, path);
                stream.Flush(flushToDisk: flush);
            }
            KeystoreFaultPoints.Reach(KeystoreFaultPoints.AfterFlush, path);
            verify?.Invoke(File.ReadAllBytes(temp));
            KeystoreFaultPoints.Reach(KeystoreFaultPoints.BeforeBackup, path);
            var exists = File.Exists(path);
            if (exists && !OperatingSystem.IsWindows())
            {
                // A keystore may hold private keys: the new version keeps the old one's permissions.
                File.SetUnixFileMode(temp, File.GetUnixFileMode(path));
            }
            if (backup is not null && exists)
            {
                backupTemp = TemporaryName(path);
                File.Copy(path, backupTemp, overwrite: false);
                File.Move(backupTemp, backup, overwrite: true);
                backupTemp = null;
            }
            KeystoreFaultPoints.Reach(KeystoreFaultPoints.BeforeRename, path);
            File.Move(temp, path, overwrite: true);
            KeystoreFaultPoints.Reach(KeystoreFaultPoints.AfterRename, path);
        }
        finally
        {
            DeleteQuietly(temp);
            if (backupTemp is not null)
            {
                DeleteQuietly(backupTemp);
            }
        }
    }

    /// <summary>One file of <see cref="ReplaceAll"/>: its new bytes and the read-back check.</summary>
    internal sealed record Pending(string Path, byte[] Bytes, Action<byte[]>? Verify);

    /// <summary>
    /// Replaces many small files (the ledger records of one merge) with the guarantees of
    /// <see cref="Replace"/> for each: every new version is written to its temporary sibling first,
    /// all of them are made durable by one file-system sync instead of one fsync per file (10,000
    /// fsyncs were half of a 10,000-certificate merge), verified, and only then renamed into place.
    /// A crash leaves each file old or new, never torn.
    /// </summary>
    internal static void ReplaceAll(IReadOnlyList<Pending> files, bool flush = true)
    {
        if (files.Count == 0)
        {
            return;
        }
        var temps = new string?[files.Count];
        try
        {
            // Each phase over every file before the next: nothing is renamed before all are durable
            // and verified. Within a phase the files are independent, and creating 10,000 of them one
            // after another left the second core idle for most of a large merge's ledger write.
            EachFile(files.Count, i =>
            {
                var temp = TemporaryName(files[i].Path);
                using var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None);
                temps[i] = temp;
                stream.Write(files[i].Bytes);
                KeystoreFaultPoints.Reach(KeystoreFaultPoints.AfterTempWrite, files[i].Path);
                stream.Flush(flushToDisk: false);
            });
            var synced = !flush;
            if (!synced)
            {
                // One handle syncs its whole file system: every temporary above with it.
                using var last = new FileStream(temps[^1]!, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
                synced = FileSystemSync.Sync(last.SafeFileHandle);
            }
            if (!synced)
            {
                EachFile(files.Count, i =>
                {
                    using var stream = new FileStream(temps[i]!, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
                    stream.Flush(flushToDisk: true);
                });
            }
            EachFile(files.Count, i =>
            {
                KeystoreFaultPoints.Reach(KeystoreFaultPoints.AfterFlush, files[i].Path);
                files[i].Verify?.Invoke(File.ReadAllBytes(temps[i]!));
            });
            EachFile(files.Count, i =>
            {
                var path = files[i].Path;
                KeystoreFaultPoints.Reach(KeystoreFaultPoints.BeforeBackup, path);
                if (!OperatingSystem.IsWindows() && File.Exists(path))
                {
                    File.SetUnixFileMode(temps[i]!, File.GetUnixFileMode(path));
                }
                KeystoreFaultPoints.Reach(KeystoreFaultPoints.BeforeRename, path);
                File.Move(temps[i]!, path, overwrite: true);
                KeystoreFaultPoints.Reach(KeystoreFaultPoints.AfterRename, path);
            });
        }
        finally
        {
            foreach (var temp in temps)
            {
                if (temp is not null && File.Exists(temp))
                {
                    DeleteQuietly(temp);
                }
            }
        }
    }

    /// <summary>Below this many files a batch runs on the calling thread alone (a small merge's few records).</summary>
    private const int ParallelFiles = 256;

    /// <summary>
    /// Runs <paramref name="step"/> for every file index, on up to four threads for a large batch; the
    /// first failure stops the phase and is rethrown as itself, so callers see the IOException or
    /// the verifier's refusal they would see from one thread.
    /// </summary>
    private static void EachFile(int count, Action<int> step)
    {
        if (count < ParallelFiles)
        {
            for (var i = 0; i < count; i++)
            {
                step(i);
            }
            return;
        }
        try
        {
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Math.Clamp(Environment.ProcessorCount, 1, 4) }, (i, state) =>
            {
                if (!state.ShouldExitCurrentIteration)
                {
                    step(i);
                }
            });
        }
        catch (AggregateException e)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }

    /// <summary>Creates <paramref name="path"/> only if nothing is there yet (a crash leaves the whole file or none).</summary>
    internal static bool CreateNew(string path, ReadOnlySpan<byte> bytes, Action<byte[]>? verify = null)
    {
        if (File.Exists(path))
        {
            return false;
        }
        Replace(path, bytes, verify);
        return true;
    }

    /// <summary>
    /// Moves a file a change removes to <paramref name="backup"/> by rename: the file is either
    /// still in place or wholly in its backup, never half of each.
    /// </summary>
    internal static void Retire(string path, string backup)
    {
        KeystoreFaultPoints.Reach(KeystoreFaultPoints.BeforeRename, path);
        File.Move(path, backup, overwrite: true);
        KeystoreFaultPoints.Reach(KeystoreFaultPoints.AfterRename, path);
    }

    /// <summary>A hidden sibling (`.name.xxxxxxxx.tmp`): same folder, so the rename is atomic; random, so writers never share one.</summary>
    internal static string TemporaryName(string path) =>
        Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N")[..8] + TemporarySuffix);

    /// <summary>
    /// Under the store's lock no other writer is running, so a temporary file of this path
    /// belongs to a writer that died (killed, power loss); removing it keeps crashes from piling them up.
    /// </summary>
    internal static void RemoveStaleTemporaryFiles(string path)
    {
        var prefix = "." + Path.GetFileName(path) + ".";
        RemoveStale(Path.GetDirectoryName(path)!, prefix + "*" + TemporarySuffix, name => name.Length == prefix.Length + 8 + TemporarySuffix.Length);
    }

    /// <summary>Every temporary file of this write path in <paramref name="folder"/> (a folder store, the ledger's record folders), under their lock.</summary>
    internal static void RemoveStaleTemporaryFilesIn(string folder) =>
        RemoveStale(folder, ".*" + TemporarySuffix, name => name.Length > 1 + 1 + 8 + TemporarySuffix.Length && name[^(8 + TemporarySuffix.Length + 1)] == '.');

    private static void RemoveStale(string folder, string pattern, Func<string, bool> ours)
    {
        try
        {
            if (!Directory.Exists(folder))
            {
                return;
            }
            foreach (var stale in Directory.EnumerateFiles(folder, pattern))
            {
                if (ours(Path.GetFileName(stale)))
                {
                    File.Delete(stale);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover temporary file wastes space but never affects the store.
        }
    }

    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the live file is what matters, and it is intact.
        }
    }
}
