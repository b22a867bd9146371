using System.Text;

namespace CertHeal.Discovery;

/// <summary>
/// -Path: walks each folder tree (bounded in depth, folder count and file size, links to
/// folders not followed) and reports virtualenvs' certifi bundles and every file whose content
/// is a keystore of certificates: JKS/JCEKS, PKCS#12, PEM with certificates, a DER certificate.
/// </summary>
internal sealed class PathScanSource(IReadOnlyList<string> roots, int maxDepth = 6) : IKeystoreSource
{
    private const int MaxFolders = 5_000;
    private const long MaxFileBytes = 16L * 1024 * 1024;

    public IEnumerable<KeystoreCandidate> Find(DiscoveryContext context)
    {
        foreach (var root in roots.Select(r => Path.GetFullPath(r)))
        {
            if (File.Exists(root))
            {
                // A file named directly is checked by content like any file of a scanned folder.
                if (LooksLikeKeystore(context, root))
                {
                    yield return new KeystoreCandidate(root, KeystoreKind.Application, $"the file {root}", "path");
                }
                else
                {
                    context.Skip($"The path '{root}' is not a keystore of certificates; skipped.");
                }
                continue;
            }
            if (!Directory.Exists(root))
            {
                context.Skip($"The path '{root}' does not exist; skipped.");
                continue;
            }
            var foundBy = $"path scan of {root}";
            var queue = new Queue<(string Folder, int Depth)>([(root, 0)]);
            var folders = 0;
            while (queue.Count > 0 && folders++ < MaxFolders)
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                var (folder, depth) = queue.Dequeue();
                string[] files, subfolders;
                try
                {
                    files = Directory.GetFiles(folder);
                    subfolders = Directory.GetDirectories(folder);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    context.Skip($"Could not list '{folder}' ({e.Message.TrimEnd('.')}); skipped.");
                    continue;
                }
                if (files.Any(f => Path.GetFileName(f) == "pyvenv.cfg"))
                {
                    foreach (var candidate in PythonSource.Virtualenv(folder, $"virtualenv under {root}"))
                    {
                        yield return candidate;
                    }
                }
                if (files.Any(f => Path.GetFileName(f) == "cert9.db"))
                {
                    // An NSS database is the folder, read through certutil; its SQLite files are no keystore on their own.
                    yield return new KeystoreCandidate(Keystores.NssDatabase.Prefix + folder, KeystoreKind.NssDatabase, $"NSS tools and browsers using the database in {folder}", foundBy);
                }
                foreach (var file in files.Order(StringComparer.Ordinal).Where(f => !IsWritePathLeftover(f)))
                {
                    if (LooksLikeKeystore(context, file))
                    {
                        yield return new KeystoreCandidate(file, KeystoreKind.Application, $"files under {root}", foundBy);
                    }
                }
                if (depth < maxDepth)
                {
                    // CertHeal's own state (an NSS database's lock, journal and backup copies) is no store an app reads.
                    foreach (var sub in subfolders.Order(StringComparer.Ordinal).Where(s => new DirectoryInfo(s).LinkTarget is null && Path.GetFileName(s) != ".certheal"))
                    {
                        queue.Enqueue((sub, depth + 1));
                    }
                }
            }
            if (queue.Count > 0)
            {
                context.Skip($"The scan of '{root}' stopped after {MaxFolders} folders; name a smaller folder to scan.");
            }
        }
    }

    /// <summary>The write path's `.bak` of a keystore beside it, and its temporary files: copies, not stores an app reads.</summary>
    private static bool IsWritePathLeftover(string file)
    {
        var name = Path.GetFileName(file);
        return name.EndsWith(".bak", StringComparison.Ordinal) && File.Exists(file[..^4])
            || name.StartsWith('.') && name.EndsWith(".tmp", StringComparison.Ordinal);
    }

    private static bool LooksLikeKeystore(DiscoveryContext context, string file)
    {
        try
        {
            var info = new FileInfo(file);
            if (info.LinkTarget is not null && !File.Exists(NativePaths.RealPath(file)) || info.Length is 0 or > MaxFileBytes)
            {
                return false;
            }
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var head = new byte[(int)Math.Min(info.Length, 64 * 1024)];
            stream.ReadExactly(head);
            if (Keystores.JksCodec.LooksLikeJks(head))
            {
                return true;
            }
            if (head[0] == 0x30)
            {
                var all = File.ReadAllBytes(file);
                return Keystores.KeystoreFormats.Detect(all) == Keystores.KeystoreFormat.Pkcs12 || IsCertificate(all);
            }
            var text = Encoding.ASCII.GetString(head);
            return text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal) || text.Contains("-----BEGIN TRUSTED CERTIFICATE-----", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            context.Skip($"Could not read '{file}' ({e.Message.TrimEnd('.')}); skipped.");
            return false;
        }
    }

    private static bool IsCertificate(byte[] bytes)
    {
        try
        {
            using var certificate = Chains.CertificateInput.FromRawData(bytes);
            return true;
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or FormatException)
        {
            return false;
        }
    }
}
