using System.Buffers.Binary;

namespace CertHeal.Keystores;

/// <summary>
/// Recognizes BouncyCastle's BKS and UBER keystores (Android apps ship them) so the error names
/// the format: BouncyCastle's C# port (the BouncyCastle.Cryptography the engine uses) reads
/// neither, and writing a format CertHeal cannot read back would break the write path's
/// read-back check. Both start with a version, a salt and an iteration count; BKS then lists
/// its entries in the clear and ends with a 20-byte HMAC-SHA1, UBER encrypts everything after
/// the iteration count. A single byte cannot tell them apart (UBER's first ciphertext byte looks
/// like a BKS entry type about once in forty stores), so the BKS entry list is walked to its end.
/// </summary>
internal static class BouncyCastleKeystore
{
    private const int HmacLength = 20;
    private const int MaxEntries = 100_000;

    public static string? Identify(byte[] bytes)
    {
        if (bytes.Length < 8 + 20 + 4 + 1)
        {
            return null;
        }
        var version = BinaryPrimitives.ReadInt32BigEndian(bytes);
        var saltLength = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4));
        if (version is < 0 or > 2 || saltLength is < 8 or > 64 || bytes.Length < 8 + saltLength + 4 + 1)
        {
            return null;
        }
        var iterations = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(8 + saltLength));
        if (iterations is < 1 or > 10_000_000)
        {
            return null;
        }
        return version >= 1 && IsBksEntryList(bytes, 8 + saltLength + 4) ? "BKS" : "UBER";
    }

    /// <summary>
    /// Walks BKS's clear entry list (type, alias, date, chain, then the entry's body) and
    /// requires it to end exactly where the trailing HMAC begins.
    /// </summary>
    private static bool IsBksEntryList(byte[] bytes, int offset)
    {
        var reader = new Reader(bytes, offset);
        for (var entries = 0; entries < MaxEntries; entries++)
        {
            if (!reader.Byte(out var type) || type > 4)
            {
                return false;
            }
            if (type == 0)
            {
                return bytes.Length - reader.Offset == HmacLength;
            }
            if (!reader.Utf() || !reader.Skip(8) || !reader.Int(out var chainLength) || chainLength is < 0 or > 100)
            {
                return false;
            }
            for (var i = 0; i < chainLength; i++)
            {
                if (!reader.Certificate())
                {
                    return false;
                }
            }
            var body = type switch
            {
                1 => reader.Certificate(),
                2 => reader.Byte(out _) && reader.Utf() && reader.Utf() && reader.Blob(),
                _ => reader.Blob(),
            };
            if (!body)
            {
                return false;
            }
        }
        return false;
    }

    /// <summary>Java DataInputStream's big-endian reads, failing instead of reading past the end.</summary>
    private struct Reader(byte[] bytes, int offset)
    {
        public int Offset { get; private set; } = offset;

        public bool Byte(out int value)
        {
            value = Offset < bytes.Length ? bytes[Offset] : -1;
            return value >= 0 && Skip(1);
        }

        public bool Int(out int value)
        {
            value = Offset + 4 <= bytes.Length ? BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(Offset)) : -1;
            return Offset + 4 <= bytes.Length && Skip(4);
        }

        public bool Skip(int count)
        {
            if (count < 0 || count > bytes.Length - Offset)
            {
                return false;
            }
            Offset += count;
            return true;
        }

        public bool Utf() => Offset + 2 <= bytes.Length && Skip(2 + BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(Offset)));

        public bool Blob() => Int(out var length) && Skip(length);

        public bool Certificate() => Utf() && Blob();
    }

    public static KeystoreException Unsupported(string path, string format) => new(KeystoreErrorKind.Unsupported, path,
        $"The keystore '{path}' is a BouncyCastle {format} keystore, which CertHeal cannot read or write; convert it to PKCS#12 with keytool -importkeystore -srckeystore <file> -srcstoretype {format} -providerpath bcprov.jar -providerclass org.bouncycastle.jce.provider.BouncyCastleProvider -destkeystore <file>.p12 -deststoretype PKCS12, and use that.");
}
