using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace CertHeal.Keystores;

/// <summary>
/// Java's JKS format, our own codec (no library here has one): magic 0xFEEDFEED, version 2,
/// trusted-certificate and private-key entries, and the keyed SHA-1 integrity digest over
/// password, "Mighty Aphrodite" and the content. Private-key entries are kept as the bytes
/// they were read as and written back unchanged; their keys are never decrypted.
/// </summary>
internal sealed class JksCodec : IKeystoreCodec
{
    private const uint Magic = 0xFEEDFEED;
    private const int PrivateKeyTag = 1;
    private const int TrustedCertificateTag = 2;
    private const int MaxEntries = 100_000;
    private static readonly byte[] Whitener = Encoding.UTF8.GetBytes("Mighty Aphrodite");

    public KeystoreFormat Format => KeystoreFormat.Jks;

    public static bool LooksLikeJks(ReadOnlySpan<byte> head) => head.Length >= 4 && BinaryPrimitives.ReadUInt32BigEndian(head) == Magic;

    public Keystore Read(byte[] bytes, string path, KeystorePassword? password)
    {
        if (bytes.Length < 12 + 20 || !LooksLikeJks(bytes))
        {
            throw Corrupt(path, "it does not start with the JKS magic number");
        }
        if (password is not null)
        {
            var expected = Digest(password, bytes.AsSpan(0, bytes.Length - 20));
            if (!CryptographicOperations.FixedTimeEquals(expected, bytes.AsSpan(bytes.Length - 20)))
            {
                throw new KeystoreException(KeystoreErrorKind.WrongPassword, path,
                    $"The password for '{path}' is wrong, or the file was altered (its integrity check fails); check the password.");
            }
        }
        var reader = new JksReader(bytes, bytes.Length - 20, path);
        var version = reader.Int32();
        if (version != 2 && version != 1)
        {
            throw Corrupt(path, $"it has JKS version {version}, not 1 or 2");
        }
        var count = reader.Int32();
        if (count < 0 || count > MaxEntries)
        {
            throw Corrupt(path, $"it claims {count} entries");
        }
        var keystore = new Keystore { Path = path, Format = Format };
        for (var i = 0; i < count; i++)
        {
            var start = reader.Position;
            var tag = reader.Int32();
            var alias = reader.Utf();
            var created = DateTimeOffset.FromUnixTimeMilliseconds(reader.Int64()).UtcDateTime;
            var entry = new KeystoreEntry { Alias = alias, CreationDate = created };
            switch (tag)
            {
                case TrustedCertificateTag:
                    entry.EntryType = KeystoreEntryType.TrustedCertificate;
                    ReadCertificate(reader, version, entry, path);
                    break;
                case PrivateKeyTag:
                    entry.EntryType = KeystoreEntryType.PrivateKey;
                    reader.Bytes(reader.Int32());
                    var chainLength = reader.Int32();
                    for (var c = 0; c < chainLength; c++)
                    {
                        var holder = new KeystoreEntry();
                        ReadCertificate(reader, version, holder, path);
                        if (c == 0)
                        {
                            entry.Certificate = holder.Certificate;
                        }
                    }
                    break;
                default:
                    throw Corrupt(path, $"entry {i + 1} has the unknown tag {tag}");
            }
            entry.Opaque = new JksRawEntry(bytes.AsSpan(start, reader.Position - start).ToArray(), version);
            keystore.Entries.Add(entry);
        }
        if (reader.Position != bytes.Length - 20)
        {
            throw Corrupt(path, "it has bytes after its last entry");
        }
        return keystore;
    }

    public byte[] Write(Keystore keystore, KeystorePassword? password)
    {
        if (password is null)
        {
            throw new KeystoreException(KeystoreErrorKind.PasswordRequired, keystore.Path,
                $"Writing the JKS keystore '{keystore.Path}' needs its password; pass -Password or -Credential.");
        }
        using var content = new MemoryStream();
        WriteInt32(content, unchecked((int)Magic));
        WriteInt32(content, 2);
        WriteInt32(content, keystore.Entries.Count);
        foreach (var entry in keystore.Entries)
        {
            if (entry.Opaque is JksRawEntry raw && raw.Version == 2 && raw.Matches(entry))
            {
                content.Write(raw.Bytes);
                continue;
            }
            if (entry.EntryType != KeystoreEntryType.TrustedCertificate || entry.Certificate is null)
            {
                throw new KeystoreException(KeystoreErrorKind.Unsupported, keystore.Path,
                    $"The entry '{entry.Alias}' of '{keystore.Path}' cannot be written as JKS by CertHeal; it was not changed, so this is a bug to report.");
            }
            WriteInt32(content, TrustedCertificateTag);
            WriteUtf(content, entry.Alias);
            WriteInt64(content, new DateTimeOffset(entry.CreationDate ?? DateTime.UtcNow, TimeSpan.Zero).ToUnixTimeMilliseconds());
            WriteUtf(content, "X.509");
            var der = entry.Certificate.RawData;
            WriteInt32(content, der.Length);
            content.Write(der);
        }
        var body = content.ToArray();
        return [.. body, .. Digest(password, body)];
    }

    private static void ReadCertificate(JksReader reader, int version, KeystoreEntry entry, string path)
    {
        if (version == 2)
        {
            var type = reader.Utf();
            if (type != "X.509")
            {
                throw Corrupt(path, $"the entry '{entry.Alias}' holds a '{type}' certificate");
            }
        }
        var der = reader.Bytes(reader.Int32());
        try
        {
            entry.Certificate = new X509Certificate2(der);
        }
        catch (CryptographicException e)
        {
            entry.Unreadable = $"its certificate does not parse ({e.Message.TrimEnd('.')})";
        }
    }

    private static byte[] Digest(KeystorePassword password, ReadOnlySpan<byte> content)
    {
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        var passwordBytes = new byte[password.Span.Length * 2];
        for (var i = 0; i < password.Span.Length; i++)
        {
            passwordBytes[2 * i] = (byte)(password.Span[i] >> 8);
            passwordBytes[2 * i + 1] = (byte)password.Span[i];
        }
        sha1.AppendData(passwordBytes);
        CryptographicOperations.ZeroMemory(passwordBytes);
        sha1.AppendData(Whitener);
        sha1.AppendData(content);
        return sha1.GetHashAndReset();
    }

    private static KeystoreException Corrupt(string path, string what) =>
        new(KeystoreErrorKind.Corrupt, path, $"The keystore '{path}' is not a valid JKS file ({what}); restore it from its .bak or a backup.");

    private static void WriteInt32(Stream stream, int value)
    {
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(buffer, value);
        stream.Write(buffer);
    }

    private static void WriteInt64(Stream stream, long value)
    {
        Span<byte> buffer = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(buffer, value);
        stream.Write(buffer);
    }

    /// <summary>Java's DataOutput.writeUTF: a 2-byte length and modified UTF-8 (our aliases are ASCII).</summary>
    private static void WriteUtf(Stream stream, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        stream.WriteByte((byte)(bytes.Length >> 8));
        stream.WriteByte((byte)bytes.Length);
        stream.Write(bytes);
    }

    /// <summary>An entry exactly as read, so it is written back byte for byte.</summary>
    private sealed record JksRawEntry(byte[] Bytes, int Version)
    {
        private readonly string _alias = ReadAlias(Bytes);

        public bool Matches(KeystoreEntry entry) => entry.Alias == _alias;

        private static string ReadAlias(byte[] bytes)
        {
            var length = (bytes[4] << 8) | bytes[5];
            return Encoding.UTF8.GetString(bytes, 6, length);
        }
    }

    private sealed class JksReader(byte[] bytes, int end, string path)
    {
        public int Position { get; private set; }

        public int Int32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

        public long Int64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

        public string Utf()
        {
            var length = BinaryPrimitives.ReadUInt16BigEndian(Take(2));
            return Encoding.UTF8.GetString(Take(length));
        }

        public byte[] Bytes(int length)
        {
            if (length < 0)
            {
                throw Corrupt(path, "it has a negative length");
            }
            return Take(length).ToArray();
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count > end - Position)
            {
                throw Corrupt(path, "it ends in the middle of an entry");
            }
            var span = bytes.AsSpan(Position, count);
            Position += count;
            return span;
        }
    }
}
