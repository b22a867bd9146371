using System.Text;

namespace CertHeal.Keystores;

/// <summary>
/// Tells a keystore's format from its content (magic bytes, ASN.1, PEM armour), never from its
/// extension; the extension only chooses the format of a keystore that does not exist yet.
/// </summary>
public static class KeystoreFormats
{
    public static bool IsWindowsStorePath(string path) => path.StartsWith("Cert:", StringComparison.OrdinalIgnoreCase);

    /// <summary>NSS's own syntax for a database folder (`sql:/home/u/.pki/nssdb`), as certutil and Firefox's pkcs11.txt write it.</summary>
    public static bool IsNssPath(string path) => path.StartsWith(NssDatabase.Prefix, StringComparison.Ordinal);

    /// <summary>
    /// A keystore path made absolute: a Cert:\ path stays as it is, an NSS `sql:` path keeps its
    /// prefix with the folder made absolute, anything else is a file or folder path.
    /// </summary>
    public static string FullPath(string path) =>
        IsWindowsStorePath(path) ? path
        : IsNssPath(path) ? NssDatabase.Prefix + Path.GetFullPath(path[NssDatabase.Prefix.Length..])
        : Path.GetFullPath(path);

    /// <summary>
    /// Whether the store at a <see cref="FullPath"/> is there: an NSS `sql:` path names a folder,
    /// a Cert:\ path always is (its store is opened, never created).
    /// </summary>
    internal static bool Exists(string full) =>
        IsWindowsStorePath(full) || File.Exists(full) || Directory.Exists(full)
        || IsNssPath(full) && Directory.Exists(NssDatabase.FolderOf(full));

    public static KeystoreFormat Detect(string path)
    {
        if (IsWindowsStorePath(path))
        {
            return KeystoreFormat.WindowsStore;
        }
        // Before the generic folder store: a folder holding cert9.db is an NSS database, whose
        // files are SQLite and must only be changed through NSS itself.
        if (IsNssPath(path) || NssDatabase.IsDatabaseFolder(path))
        {
            return KeystoreFormat.Nss;
        }
        if (Directory.Exists(path))
        {
            return KeystoreFormat.Directory;
        }
        if (!File.Exists(path))
        {
            return FromExtension(path);
        }
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new KeystoreException(KeystoreErrorKind.ReadOnly, path, $"The keystore '{path}' cannot be read; check its permissions.", e);
        }
        if (bytes.Length == 0)
        {
            // An empty file (touch truststore.pem) is an empty keystore of the kind its name says.
            return FromExtension(path);
        }
        if (bytes.All(b => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
        {
            // What a PEM bundle keeps of its text when its last certificate is removed: still an (empty) PEM bundle.
            return KeystoreFormat.PemBundle;
        }
        var format = Detect(bytes);
        if (format is null && BouncyCastleKeystore.Identify(bytes) is { } bouncyCastle)
        {
            throw BouncyCastleKeystore.Unsupported(path, bouncyCastle);
        }
        return format ?? throw new KeystoreException(KeystoreErrorKind.Corrupt, path,
            $"The file '{path}' is not a keystore CertHeal knows (PEM, DER, PKCS#12 or JKS): {Describe(bytes)}; check the path, or if you know its format, ", RemedyKind.GiveFormat);
    }

    /// <summary>What an unreadable file looks like, for the error sentence (never its whole content).</summary>
    internal static string Describe(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0)
        {
            return "it is empty";
        }
        if (bytes.StartsWith("SQLite format 3\0"u8))
        {
            // Most often cert9.db named directly: NSS's database is its folder.
            return "it is an SQLite database (for an NSS cert9.db, name its folder as sql:DIR)";
        }
        if (bytes.StartsWith("PK\u0003\u0004"u8))
        {
            return "it looks like a ZIP or JAR archive";
        }
        if (bytes.StartsWith("{"u8) || bytes.StartsWith("["u8))
        {
            return "it looks like JSON";
        }
        if (bytes.StartsWith("<"u8))
        {
            return "it looks like XML or HTML";
        }
        var head = bytes[..Math.Min(bytes.Length, 512)];
        var printable = 0;
        foreach (var b in head)
        {
            if (b is >= 0x20 and < 0x7F or (byte)'\n' or (byte)'\r' or (byte)'\t')
            {
                printable++;
            }
        }
        if (printable == head.Length)
        {
            var line = Encoding.ASCII.GetString(head).Split('\n')[0].Trim();
            return $"it is text starting '{(line.Length > 40 ? line[..40] + "..." : line)}'";
        }
        return $"it is {bytes.Length} bytes of binary data starting {Convert.ToHexString(bytes[..Math.Min(bytes.Length, 8)])}";
    }

    internal static KeystoreFormat? Detect(byte[] bytes)
    {
        if (bytes.Length == 0)
        {
            return null;
        }
        if (JksCodec.LooksLikeJks(bytes))
        {
            return KeystoreFormat.Jks;
        }
        var head = Encoding.ASCII.GetString(bytes, 0, Math.Min(bytes.Length, 64 * 1024));
        if (head.Contains("-----BEGIN ", StringComparison.Ordinal) || IsOnlyComments(bytes))
        {
            return KeystoreFormat.PemBundle;
        }
        if (bytes[0] == 0x30)
        {
            if (Pkcs12Codec.LooksLikePkcs12(bytes))
            {
                return KeystoreFormat.Pkcs12;
            }
            return KeystoreFormat.Der;
        }
        return null;
    }

    /// <summary>
    /// A bundle that holds no certificate yet but its header comments (`# managed by ...`), as
    /// ca-certificates and config management leave them: an empty PEM bundle, not an unknown
    /// file. Any other text still needs a PEM block to count, so a mistyped path to a config
    /// file is never written into.
    /// </summary>
    private static bool IsOnlyComments(byte[] bytes)
    {
        if (bytes.Length > 64 * 1024 || bytes.Any(b => b is not (>= 0x20 and < 0x7F or (byte)'\n' or (byte)'\r' or (byte)'\t')))
        {
            return false;
        }
        var lines = Encoding.ASCII.GetString(bytes).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        return lines.Count > 0 && lines.All(l => l.StartsWith('#'));
    }

    /// <summary>The format a new keystore gets from its name: .jks, .p12/.pfx, .der/.cer, a trailing slash for a folder, else PEM.</summary>
    public static KeystoreFormat FromExtension(string path)
    {
        if (IsNssPath(path))
        {
            return KeystoreFormat.Nss;
        }
        if (path.EndsWith('/') || path.EndsWith('\\'))
        {
            return KeystoreFormat.Directory;
        }
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".jks" or ".keystore" or ".truststore" => KeystoreFormat.Jks,
            ".p12" or ".pfx" or ".pkcs12" => KeystoreFormat.Pkcs12,
            ".der" or ".cer" => KeystoreFormat.Der,
            _ => KeystoreFormat.PemBundle,
        };
    }

    internal static IKeystoreCodec Codec(KeystoreFormat format, string path) => format switch
    {
        KeystoreFormat.PemBundle => new PemBundleCodec(),
        KeystoreFormat.Der => new DerCodec(),
        KeystoreFormat.Pkcs12 => new Pkcs12Codec(),
        KeystoreFormat.Jks => new JksCodec(),
        _ => throw new KeystoreException(KeystoreErrorKind.Unsupported, path, $"{format} keystores are not single files; this is a bug to report."),
    };
}
