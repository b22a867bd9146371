using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Paddings;
using Org.BouncyCastle.Crypto.Parameters;

namespace CertHeal.Keystores;

/// <summary>
/// The password-based encryption PKCS#12 files use: PBES2 (PBKDF2 + AES-CBC, keytool 17 and
/// OpenSSL 3) with .NET, and the legacy PKCS#12 PBEs (pbeWithSHAAnd3-KeyTripleDES-CBC,
/// 2-key 3DES, 128- and 40-bit RC2: Java 8, OpenSSL 1.x, Windows) with the RFC 7292 key
/// derivation here and BouncyCastle's managed block ciphers, because OpenSSL 3 (what .NET uses
/// on Linux) has moved RC2 to its legacy provider. Encrypting reuses the algorithm of an
/// existing AlgorithmIdentifier with a fresh salt and IV, so a rewritten store keeps its protection.
/// </summary>
internal static class Pkcs12Pbe
{
    public const string Pbes2Oid = "1.2.840.113549.1.5.13";
    public const string Pbkdf2Oid = "1.2.840.113549.1.5.12";
    public const string TripleDes3KeyOid = "1.2.840.113549.1.12.1.3";
    private const string TripleDes2KeyOid = "1.2.840.113549.1.12.1.4";
    private const string Rc2128Oid = "1.2.840.113549.1.12.1.5";
    private const string Rc240Oid = "1.2.840.113549.1.12.1.6";
    public const string Aes256CbcOid = "2.16.840.1.101.3.4.1.42";
    public const string HmacSha256Oid = "1.2.840.113549.2.9";
    private const int MaxIterations = 10_000_000;

    /// <summary>Thrown when a cipher or KDF is one CertHeal does not implement; the message names it.</summary>
    public sealed class UnsupportedAlgorithmException(string message) : Exception(message);

    public static bool IsLegacy(string oid) => oid is TripleDes3KeyOid or TripleDes2KeyOid or Rc2128Oid or Rc240Oid;

    /// <summary>Decrypts; a wrong password surfaces as CryptographicException (bad padding) that callers turn into WrongPassword.</summary>
    public static byte[] Decrypt(byte[] algorithmIdentifier, byte[] encrypted, char[]? password)
    {
        var algorithm = new AsnReader(algorithmIdentifier, AsnEncodingRules.BER).ReadSequence();
        var oid = algorithm.ReadObjectIdentifier();
        if (IsLegacy(oid))
        {
            var parameters = algorithm.ReadSequence();
            var salt = parameters.ReadOctetString();
            var iterations = Iterations(parameters.ReadInteger());
            return Legacy(oid, forEncryption: false, password, salt, iterations, encrypted);
        }
        if (oid != Pbes2Oid)
        {
            throw new UnsupportedAlgorithmException($"the encryption algorithm {oid}");
        }
        var (key, iv, _) = Pbes2Key(algorithm.ReadSequence(), password);
        using var aes = Aes.Create();
        aes.Key = key;
        CryptographicOperations.ZeroMemory(key);
        return aes.DecryptCbc(encrypted, iv);
    }

    /// <summary>Encrypts with the algorithm of <paramref name="template"/> (fresh salt and IV, same iterations); returns the new AlgorithmIdentifier and the ciphertext.</summary>
    public static (byte[] AlgorithmIdentifier, byte[] Encrypted) Encrypt(byte[] template, byte[] plaintext, char[]? password)
    {
        var algorithm = new AsnReader(template, AsnEncodingRules.BER).ReadSequence();
        var oid = algorithm.ReadObjectIdentifier();
        var writer = new AsnWriter(AsnEncodingRules.DER);
        if (IsLegacy(oid))
        {
            var parameters = algorithm.ReadSequence();
            var salt = RandomNumberGenerator.GetBytes(parameters.ReadOctetString().Length);
            var iterations = Iterations(parameters.ReadInteger());
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(oid);
                using (writer.PushSequence())
                {
                    writer.WriteOctetString(salt);
                    writer.WriteInteger(iterations);
                }
            }
            return (writer.Encode(), Legacy(oid, forEncryption: true, password, salt, iterations, plaintext));
        }
        if (oid != Pbes2Oid)
        {
            throw new UnsupportedAlgorithmException($"the encryption algorithm {oid}");
        }
        var old = algorithm.ReadSequence();
        var kdf = old.ReadSequence();
        kdf.ReadObjectIdentifier();
        var kdfParams = kdf.ReadSequence();
        var saltLength = kdfParams.ReadOctetString().Length;
        var iterationCount = Iterations(kdfParams.ReadInteger());
        int? keyLength = kdfParams.HasData && kdfParams.PeekTag().HasSameClassAndValue(Asn1Tag.Integer) ? (int)kdfParams.ReadInteger() : null;
        var prf = kdfParams.HasData ? kdfParams.ReadEncodedValue().ToArray() : null;
        var cipher = old.ReadSequence();
        var cipherOid = cipher.ReadObjectIdentifier();
        var ivLength = cipher.ReadOctetString().Length;
        return Pbes2Encrypt(plaintext, password, RandomNumberGenerator.GetBytes(saltLength), iterationCount, keyLength, prf, cipherOid, RandomNumberGenerator.GetBytes(ivLength));
    }

    /// <summary>The AlgorithmIdentifier a new store is encrypted with.</summary>
    public static byte[] Template(Pkcs12Encryption encryption)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        if (encryption == Pkcs12Encryption.Legacy)
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(TripleDes3KeyOid);
                using (writer.PushSequence())
                {
                    writer.WriteOctetString(new byte[8]);
                    writer.WriteInteger(2048);
                }
            }
            return writer.Encode();
        }
        var prf = new AsnWriter(AsnEncodingRules.DER);
        using (prf.PushSequence())
        {
            prf.WriteObjectIdentifier(HmacSha256Oid);
            prf.WriteNull();
        }
        return Pbes2AlgorithmIdentifier(new byte[16], 10_000, null, prf.Encode(), Aes256CbcOid, new byte[16]);
    }

    private static (byte[] AlgorithmIdentifier, byte[] Encrypted) Pbes2Encrypt(byte[] plaintext, char[]? password, byte[] salt, int iterations, int? keyLength, byte[]? prf, string cipherOid, byte[] iv)
    {
        var algorithmIdentifier = Pbes2AlgorithmIdentifier(salt, iterations, keyLength, prf, cipherOid, iv);
        var parsed = new AsnReader(algorithmIdentifier, AsnEncodingRules.DER).ReadSequence();
        parsed.ReadObjectIdentifier();
        var (key, _, _) = Pbes2Key(parsed.ReadSequence(), password);
        using var aes = Aes.Create();
        aes.Key = key;
        CryptographicOperations.ZeroMemory(key);
        return (algorithmIdentifier, aes.EncryptCbc(plaintext, iv));
    }

    private static byte[] Pbes2AlgorithmIdentifier(byte[] salt, int iterations, int? keyLength, byte[]? prf, string cipherOid, byte[] iv)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(Pbes2Oid);
            using (writer.PushSequence())
            {
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(Pbkdf2Oid);
                    using (writer.PushSequence())
                    {
                        writer.WriteOctetString(salt);
                        writer.WriteInteger(iterations);
                        if (keyLength is { } length)
                        {
                            writer.WriteInteger(length);
                        }
                        if (prf is not null)
                        {
                            writer.WriteEncodedValue(prf);
                        }
                    }
                }
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(cipherOid);
                    writer.WriteOctetString(iv);
                }
            }
        }
        return writer.Encode();
    }

    private static (byte[] Key, byte[] Iv, string Cipher) Pbes2Key(AsnReader parameters, char[]? password)
    {
        var kdf = parameters.ReadSequence();
        var kdfOid = kdf.ReadObjectIdentifier();
        if (kdfOid != Pbkdf2Oid)
        {
            throw new UnsupportedAlgorithmException($"the PBES2 key derivation {kdfOid}");
        }
        var kdfParams = kdf.ReadSequence();
        var salt = kdfParams.ReadOctetString();
        var iterations = Iterations(kdfParams.ReadInteger());
        int? keyLength = kdfParams.HasData && kdfParams.PeekTag().HasSameClassAndValue(Asn1Tag.Integer) ? (int)kdfParams.ReadInteger() : null;
        var prf = HashAlgorithmName.SHA1;
        if (kdfParams.HasData)
        {
            prf = kdfParams.ReadSequence().ReadObjectIdentifier() switch
            {
                "1.2.840.113549.2.7" => HashAlgorithmName.SHA1,
                HmacSha256Oid => HashAlgorithmName.SHA256,
                "1.2.840.113549.2.10" => HashAlgorithmName.SHA384,
                "1.2.840.113549.2.11" => HashAlgorithmName.SHA512,
                var other => throw new UnsupportedAlgorithmException($"the PBKDF2 function {other}"),
            };
        }
        var cipher = parameters.ReadSequence();
        var cipherOid = cipher.ReadObjectIdentifier();
        var size = cipherOid switch
        {
            "2.16.840.1.101.3.4.1.2" => 16,
            "2.16.840.1.101.3.4.1.22" => 24,
            Aes256CbcOid => 32,
            var other => throw new UnsupportedAlgorithmException($"the cipher {other}"),
        };
        var iv = cipher.ReadOctetString();
        // PBES2 takes the password as UTF-8 bytes (OpenSSL and Java alike); no password is no bytes.
        var secret = password is null ? [] : Encoding.UTF8.GetBytes(password);
        var key = Rfc2898DeriveBytes.Pbkdf2(secret, salt, iterations, prf, keyLength ?? size);
        CryptographicOperations.ZeroMemory(secret);
        return (key, iv, cipherOid);
    }

    private static byte[] Legacy(string oid, bool forEncryption, char[]? password, byte[] salt, int iterations, byte[] data)
    {
        var (keySize, engine) = oid switch
        {
            TripleDes3KeyOid => (24, (IBlockCipher)new DesEdeEngine()),
            TripleDes2KeyOid => (16, new DesEdeEngine()),
            Rc2128Oid => (16, new RC2Engine()),
            _ => (5, (IBlockCipher)new RC2Engine()),
        };
        var key = Kdf(HashAlgorithmName.SHA1, 1, password, salt, iterations, keySize);
        var iv = Kdf(HashAlgorithmName.SHA1, 2, password, salt, iterations, 8);
        ICipherParameters keyParameter = engine is RC2Engine ? new RC2Parameters(key, keySize * 8) : new KeyParameter(key);
        CryptographicOperations.ZeroMemory(key);
        var cipher = new PaddedBufferedBlockCipher(new CbcBlockCipher(engine), new Pkcs7Padding());
        cipher.Init(forEncryption, new ParametersWithIV(keyParameter, iv));
        try
        {
            return cipher.DoFinal(data);
        }
        catch (InvalidCipherTextException e)
        {
            throw new CryptographicException(e.Message, e);
        }
        catch (DataLengthException e)
        {
            throw new CryptographicException(e.Message, e);
        }
    }

    private static int Iterations(System.Numerics.BigInteger value) =>
        value < 1 || value > MaxIterations ? throw new CryptographicException($"the iteration count {value} is out of range") : (int)value;

    public static int HashSize(HashAlgorithmName hash) =>
        hash == HashAlgorithmName.SHA1 ? 20 : hash == HashAlgorithmName.SHA384 ? 48 : hash == HashAlgorithmName.SHA512 ? 64 : 32;

    /// <summary>
    /// RFC 7292 appendix B.2, the PKCS#12 key derivation (id 1 key, 2 IV, 3 MAC key). The password
    /// is BMPString with a two-byte terminator; an empty password is just the terminator (OpenSSL's
    /// `-passout pass:`), and no password at all (null) is no bytes.
    /// </summary>
    public static byte[] Kdf(HashAlgorithmName hash, byte id, char[]? password, byte[] salt, int iterations, int length)
    {
        var u = HashSize(hash);
        var v = hash == HashAlgorithmName.SHA384 || hash == HashAlgorithmName.SHA512 ? 128 : 64;
        var bmp = password is null ? [] : new byte[(password.Length + 1) * 2];
        for (var i = 0; password is not null && i < password.Length; i++)
        {
            bmp[2 * i] = (byte)(password[i] >> 8);
            bmp[2 * i + 1] = (byte)password[i];
        }
        var s = Repeat(salt, v * ((salt.Length + v - 1) / v));
        var p = Repeat(bmp, v * ((bmp.Length + v - 1) / v));
        CryptographicOperations.ZeroMemory(bmp);
        var input = new byte[s.Length + p.Length];
        s.CopyTo(input, 0);
        p.CopyTo(input, s.Length);
        CryptographicOperations.ZeroMemory(p);
        var d = Enumerable.Repeat(id, v).ToArray();
        var output = new byte[length];
        for (var offset = 0; offset < length; offset += u)
        {
            var a = HashOf(hash, [.. d, .. input]);
            for (var r = 1; r < iterations; r++)
            {
                a = HashOf(hash, a);
            }
            Array.Copy(a, 0, output, offset, Math.Min(u, length - offset));
            if (offset + u >= length)
            {
                break;
            }
            var b = Repeat(a, v);
            for (var j = 0; j < input.Length; j += v)
            {
                var carry = 1;
                for (var k = v - 1; k >= 0; k--)
                {
                    carry += input[j + k] + b[k];
                    input[j + k] = (byte)carry;
                    carry >>= 8;
                }
            }
        }
        CryptographicOperations.ZeroMemory(input);
        return output;
    }

    private static byte[] HashOf(HashAlgorithmName hash, byte[] data)
    {
        using var h = IncrementalHash.CreateHash(hash);
        h.AppendData(data);
        return h.GetHashAndReset();
    }

    private static byte[] Repeat(byte[] source, int length)
    {
        var result = new byte[length];
        for (var i = 0; i < length && source.Length > 0; i++)
        {
            result[i] = source[i % source.Length];
        }
        return result;
    }
}
