using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace CertHeal.Keystores;

/// <summary>
/// Java's JKS format, our own codec (no library here has one): magic 0xFEEDFEED, version 2,
/// trusted-certificate and private-key entries, and the keyed SHA-1 integrity digest over
/// password, "Mighty Aphrodite" and the content. Private-key entries are kept as the bytes
/// they were read as and written back unchanged; their keys are never decrypted. JCEKS
/// (magic 0xCECECECE, the same layout) is read and written too; its secret-key entries (Java-
/// serialized SealedObjects, measured by <see cref="JavaSerialization"/>) are copied as opaque bytes.
/// </summary>
internal sealed class JksCodec : IKeystoreCodec
{
    public const uint JksMagic = 0xFEEDFEED;
    public const uint JceksMagic = 0xCECECECE;
    internal const int PrivateKeyTag = 1;
    internal const int TrustedCertificateTag = 2;
    private const int SecretKeyTag = 3;
    private const int MaxEntries = 100_000;
    private static readonly byte[] Whitener = Encoding.UTF8.GetBytes("Mighty Aphrodite");

    public KeystoreFormat Format => KeystoreFormat.Jks;

    public static bool LooksLikeJks(ReadOnlySpan<byte> head) =>
        head.Length >= 4 && BinaryPrimitives.ReadUInt32BigEndian(head) is JksMagic or JceksMagic;

    /// <summary>The encrypted key of a private-key entry exactly as read (tests and diagnostics; never decrypted).</summary>
    internal static byte[]? EncryptedKey(KeystoreEntry entry) => (entry.Origin as JksEntryOrigin)?.EncryptedKey;

    public Keystore Read(byte[] bytes, string path, KeystorePassword? password)
    {
        if (bytes.Length < 12 + 20 || !LooksLikeJks(bytes))
        {
            throw Corrupt(path, "it does not start with the JKS magic number");
        }
        var reader = new JksReader(bytes, bytes.Length - 20, path);
        var magic = (uint)reader.Int32();
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
        var keystore = new Keystore { Path = path, Format = Format, Origin = new JksStoreOrigin(magic) };
        for (var i = 0; i < count; i++)
        {
            var start = reader.Position;
            var tag = reader.Int32();
            var alias = reader.Utf();
            var millis = reader.Int64();
            if (millis < -62_135_596_800_000 || millis > 253_402_300_799_999)
            {
                throw Corrupt(path, $"the entry '{alias}' has an impossible creation date");
            }
            var created = DateTimeOffset.FromUnixTimeMilliseconds(millis).UtcDateTime;
            var entry = new KeystoreEntry { Alias = alias, CreationDate = created };
            byte[]? encryptedKey = null;
            switch (tag)
            {
                case TrustedCertificateTag:
                    entry.EntryType = KeystoreEntryType.TrustedCertificate;
                    ReadCertificate(reader, version, entry, path);
                    break;
                case PrivateKeyTag:
                    entry.EntryType = KeystoreEntryType.PrivateKey;
                    encryptedKey = reader.Bytes(reader.Int32());
                    var chainLength = reader.Int32();
                    if (chainLength < 0 || chainLength > 100)
                    {
                        throw Corrupt(path, $"the entry '{alias}' claims {chainLength} chain certificates");
                    }
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
                case SecretKeyTag when magic == JceksMagic:
                    entry.EntryType = KeystoreEntryType.Other;
                    int length;
                    try
                    {
                        length = JavaSerialization.Length(bytes.AsSpan(reader.Position, bytes.Length - 20 - reader.Position));
                    }
                    catch (FormatException e)
                    {
                        throw Corrupt(path, $"its secret-key entry '{alias}' is not a serialized Java object ({e.Message})");
                    }
                    reader.Bytes(length);
                    break;
                default:
                    throw Corrupt(path, $"entry {i + 1} has the unknown tag {tag}");
            }
            entry.Origin = new JksEntryOrigin(bytes.AsSpan(start, reader.Position - start).ToArray(), version, alias, tag, entry.CertificateBytes, encryptedKey);
            keystore.Entries.Add(entry);
        }
        if (reader.Position != bytes.Length - 20)
        {
            throw Corrupt(path, "it has bytes after its last entry");
        }
        // Structure first, so a truncated file is reported as corrupt rather than as a wrong password.
        // Without a password the entries are listed unverified, as keytool -list does.
        if (password is not null)
        {
            var expected = Digest(password, bytes.AsSpan(0, bytes.Length - 20));
            if (!CryptographicOperations.FixedTimeEquals(expected, bytes.AsSpan(bytes.Length - 20)))
            {
                throw new KeystoreException(KeystoreErrorKind.WrongPassword, path,
                    $"The password for '{path}' is wrong, or the file was altered (its integrity check fails); check the password.");
            }
        }
        return keystore;
    }

    public byte[] Write(Keystore keystore, KeystorePassword? password)
    {
        if (password is null)
        {
            throw new KeystoreException(KeystoreErrorKind.PasswordRequired, keystore.Path,
                $"Writing the JKS keystore '{keystore.Path}' needs its password; ", RemedyKind.GivePassword);
        }
        using var content = new MemoryStream();
        // A new store (or one read in another format) is written as JKS.
        var magic = keystore.Origin is JksStoreOrigin origin ? origin.Magic : JksMagic;
        WriteInt32(content, unchecked((int)magic));
        WriteInt32(content, 2);
        WriteInt32(content, keystore.Entries.Count);
        foreach (var entry in keystore.Entries)
        {
            if (entry.Origin is JksEntryOrigin raw && raw.Matches(entry) && raw.Version == 2)
            {
                content.Write(raw.Bytes);
                continue;
            }
            if (entry.EntryType != KeystoreEntryType.TrustedCertificate || entry.Certificate is null || entry.CertificateBytes is not { } der)
            {
                throw new KeystoreException(KeystoreErrorKind.Unsupported, keystore.Path,
                    $"The {entry.EntryType} entry '{entry.Alias}' of '{keystore.Path}' was changed or is new, and CertHeal only copies such entries (it never re-encrypts keys), so the keystore was left unchanged.");
            }
            WriteInt32(content, TrustedCertificateTag);
            // Java's JKS lower-cases aliases on every lookup; an upper-case alias could be listed but never found.
            WriteUtf(content, entry.Alias.ToLowerInvariant(), keystore.Path);
            var created = entry.CreationDate ?? DateTime.UtcNow;
            created = created.Kind == DateTimeKind.Local ? created.ToUniversalTime() : DateTime.SpecifyKind(created, DateTimeKind.Utc);
            WriteInt64(content, new DateTimeOffset(created).ToUnixTimeMilliseconds());
            WriteUtf(content, "X.509", keystore.Path);
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
        if (CertificateDeferral.Active && CertificateDer.IsWellFormed(der))
        {
            entry.DeferCertificate(der);
            return;
        }
        try
        {
            entry.Certificate = NonCanonicalCertificate.Load(der);
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

    /// <summary>Java's DataOutput.writeUTF: a 2-byte length and modified UTF-8 (NUL as C0 80, supplementary characters as two 3-byte surrogates).</summary>
    private static void WriteUtf(Stream stream, string value, string path)
    {
        var bytes = new List<byte>(value.Length);
        foreach (var c in value)
        {
            if (c is >= '\u0001' and <= '\u007F')
            {
                bytes.Add((byte)c);
            }
            else if (c <= '\u07FF')
            {
                bytes.Add((byte)(0xC0 | (c >> 6)));
                bytes.Add((byte)(0x80 | (c & 0x3F)));
            }
            else
            {
                bytes.Add((byte)(0xE0 | (c >> 12)));
                bytes.Add((byte)(0x80 | ((c >> 6) & 0x3F)));
                bytes.Add((byte)(0x80 | (c & 0x3F)));
            }
        }
        if (bytes.Count > ushort.MaxValue)
        {
            throw new KeystoreException(KeystoreErrorKind.ValidationFailed, path, $"An alias for '{path}' is longer than JKS allows (65535 bytes); choose a shorter alias.");
        }
        stream.WriteByte((byte)(bytes.Count >> 8));
        stream.WriteByte((byte)bytes.Count);
        stream.Write(bytes.ToArray());
    }

    /// <summary>Java's DataInput.readUTF (modified UTF-8), so aliases Java wrote read back as Java sees them.</summary>
    private static string ReadModifiedUtf8(ReadOnlySpan<byte> bytes, string path)
    {
        var text = new StringBuilder(bytes.Length);
        for (var i = 0; i < bytes.Length;)
        {
            int b = bytes[i];
            if (b < 0x80)
            {
                text.Append((char)b);
                i += 1;
            }
            else if ((b & 0xE0) == 0xC0 && i + 1 < bytes.Length)
            {
                text.Append((char)(((b & 0x1F) << 6) | (bytes[i + 1] & 0x3F)));
                i += 2;
            }
            else if ((b & 0xF0) == 0xE0 && i + 2 < bytes.Length)
            {
                text.Append((char)(((b & 0x0F) << 12) | ((bytes[i + 1] & 0x3F) << 6) | (bytes[i + 2] & 0x3F)));
                i += 3;
            }
            else
            {
                throw Corrupt(path, "an alias is not valid modified UTF-8");
            }
        }
        return text.ToString();
    }

    private sealed class JksReader(byte[] bytes, int end, string path)
    {
        public int Position { get; private set; }

        public int Int32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

        public long Int64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

        public string Utf()
        {
            var length = BinaryPrimitives.ReadUInt16BigEndian(Take(2));
            return ReadModifiedUtf8(Take(length), path);
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
