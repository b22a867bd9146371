using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace CertHeal.Internal;

/// <summary>
/// Completes -Path / -Keystore with folders and with files whose content is a keystore (PEM,
/// DER, PKCS#12, JKS/JCEKS), sniffed from their first bytes, so a folder full of logs and jars
/// offers only what Merge-Keystore can open. Bounded: one folder, at most 500 entries looked at.
/// </summary>
internal sealed class KeystorePathCompleter : IArgumentCompleter
{
    private const int MaxEntries = 500;

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = (wordToComplete ?? "").Trim('\'', '"');
        string folder;
        string prefix;
        string location;
        try
        {
            location = CompletionSession.Location;
            var typedFolder = word.Length == 0 ? "" : Path.GetDirectoryName(word) ?? "";
            folder = Path.GetFullPath(Path.Combine(location, ExpandHome(typedFolder)));
            prefix = word.Length == 0 || word.EndsWith('/') || word.EndsWith(Path.DirectorySeparatorChar) ? "" : Path.GetFileName(word);
            if (!Directory.Exists(folder))
            {
                return [];
            }
            var typedStem = word.Length == 0 ? "" : word[..(word.Length - prefix.Length)];
            return Directory.EnumerateFileSystemEntries(folder, prefix + "*").Take(MaxEntries)
                .Where(p => Directory.Exists(p) || LooksLikeKeystore(p))
                .Order(StringComparer.OrdinalIgnoreCase)
                .Select(p =>
                {
                    var isFolder = Directory.Exists(p);
                    var text = typedStem + Path.GetFileName(p) + (isFolder ? Path.DirectorySeparatorChar.ToString() : "");
                    var quoted = text.IndexOfAny([' ', '\'', '$', '`', '(', ')', '[', ']', '{', '}', ';', '&', '#']) >= 0 ? "'" + text.Replace("'", "''") + "'" : text;
                    return new CompletionResult(quoted, Path.GetFileName(p), isFolder ? CompletionResultType.ProviderContainer : CompletionResultType.ProviderItem, p);
                })
                .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return [];
        }
    }

    private static string ExpandHome(string path) =>
        path.StartsWith('~') ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + path[1..] : path;

    /// <summary>Keystore magic in the first bytes; never reads a whole large file.</summary>
    internal static bool LooksLikeKeystore(string path)
    {
        try
        {
            Span<byte> head = stackalloc byte[4096];
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            head = head[..read];
            if (read >= 4 && (head[..4].SequenceEqual(new byte[] { 0xFE, 0xED, 0xFE, 0xED }) || head[..4].SequenceEqual(new byte[] { 0xCE, 0xCE, 0xCE, 0xCE })))
            {
                return true;
            }
            if (head.IndexOf("-----BEGIN "u8) >= 0)
            {
                return true;
            }
            // DER SEQUENCE with a long length: a certificate or a PKCS#12 PFX.
            return read >= 4 && head[0] == 0x30 && head[1] is 0x82 or 0x83 or 0x81;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
