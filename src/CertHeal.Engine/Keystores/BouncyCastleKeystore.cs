using System.Buffers.Binary;

namespace CertHeal.Keystores;

/// <summary>
/// Recognizes BouncyCastle's BKS and UBER keystores (Android apps ship them) so the error names
/// the format: BouncyCastle's C# port (the BouncyCastle.Cryptography the engine uses) reads
/// neither, and writing a format CertHeal cannot read back would break the write path's
/// read-back check. Both start with a version, a 20-byte salt and an iteration count; BKS then
/// lists entries in the clear (a type byte 1-5, or 0 at the end), UBER encrypts everything after.
/// </summary>
internal static class BouncyCastleKeystore
{
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
        return bytes[8 + saltLength + 4] <= 5 && version >= 1 ? "BKS" : "UBER";
    }

    public static KeystoreException Unsupported(string path, string format) => new(KeystoreErrorKind.Unsupported, path,
        $"The keystore '{path}' is a BouncyCastle {format} keystore, which CertHeal cannot read or write; convert it to PKCS#12 with keytool -importkeystore -srckeystore <file> -srcstoretype {format} -providerpath bcprov.jar -providerclass org.bouncycastle.jce.provider.BouncyCastleProvider -destkeystore <file>.p12 -deststoretype PKCS12, and use that.");
}
