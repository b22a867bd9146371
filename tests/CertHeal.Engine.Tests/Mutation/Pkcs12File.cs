using System.Formats.Asn1;
using System.Security.Cryptography;

namespace CertHeal.Tests.Mutation;

/// <summary>
/// The certificate bodies inside a keytool-made PKCS#12 and its MAC. keytool (JDK 17+) encrypts
/// the safe of certificate bags with PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) and seals the file
/// with an HMAC-SHA256 keyed by the RFC 7292 KDF. A mutant flips bits of a certificate in the
/// decrypted safe and encrypts it again with the store's own salt and IV (the ciphertext keeps
/// its length, so the file keeps its layout), which is what a real, default keytool store looks
/// like; keytool's certProtectionAlgorithm=NONE would have made plain bags, but then the
/// decryption path of the reader would never see a damaged certificate. <see cref="Reseal"/>
/// recomputes the MAC with the known password so the reader gets past its integrity check.
/// The constructor checks both against the original file: re-encrypting the untouched safes and
/// resealing must give back keytool's exact bytes.
/// </summary>
internal sealed class Pkcs12File
{
    private const string DataOid = "1.2.840.113549.1.7.1";
    private const string EncryptedDataOid = "1.2.840.113549.1.7.6";
    private const string CertBagOid = "1.2.840.113549.1.12.10.1.3";
    private const string Sha256Oid = "2.16.840.1.101.3.4.2.1";
    private const string Pbes2Oid = "1.2.840.113549.1.5.13";
    private const string HmacSha256Oid = "1.2.840.113549.2.9";
    private const string Aes256CbcOid = "2.16.840.1.101.3.4.1.42";

    private readonly byte[] original;
    private readonly string password;
    private readonly int contentOffset;
    private readonly int contentLength;
    private readonly int digestOffset;
    private readonly byte[] macSalt;
    private readonly int macIterations;
    private readonly List<Safe> safes = [];

    /// <summary>One safe of the authenticated safe: where its bytes are in the file, and, when encrypted, its key and IV.</summary>
    private sealed record Safe(int Offset, int Length, byte[] Plain, byte[]? Key, byte[]? Iv, List<(int Offset, int Length)> Certificates);

    public Pkcs12File(byte[] pfx, string password)
    {
        original = pfx;
        this.password = password;
        var outer = Content(pfx, 0, Asn1Tag.Sequence);
        var p = outer.Offset;
        p = Next(pfx, p); // version
        var authSafe = Content(pfx, p, Asn1Tag.Sequence);
        var explicitData = Content(pfx, Next(pfx, authSafe.Offset), new Asn1Tag(TagClass.ContextSpecific, 0, true));
        (contentOffset, contentLength) = Content(pfx, explicitData.Offset, Asn1Tag.PrimitiveOctetString);
        var macData = Content(pfx, Next(pfx, p), Asn1Tag.Sequence);
        var digestInfo = Content(pfx, macData.Offset, Asn1Tag.Sequence);
        var algorithm = new AsnReader(pfx.AsMemory(digestInfo.Offset), AsnEncodingRules.DER).ReadSequence();
        if (algorithm.ReadObjectIdentifier() != Sha256Oid)
        {
            throw new InvalidDataException("The test expects keytool's HMAC-SHA256 MAC.");
        }
        digestOffset = Content(pfx, Next(pfx, digestInfo.Offset), Asn1Tag.PrimitiveOctetString).Offset;
        var macReader = new AsnReader(pfx.AsMemory(macData.Offset, macData.Length), AsnEncodingRules.DER);
        macReader.ReadSequence();
        macSalt = macReader.ReadOctetString();
        macIterations = (int)macReader.ReadInteger();

        var infos = Content(pfx, contentOffset, Asn1Tag.Sequence);
        for (var q = infos.Offset; q < infos.Offset + infos.Length; q = Next(pfx, q))
        {
            var info = Content(pfx, q, Asn1Tag.Sequence);
            var type = new AsnReader(pfx.AsMemory(info.Offset), AsnEncodingRules.DER).ReadObjectIdentifier();
            var wrapped = Content(pfx, Next(pfx, info.Offset), new Asn1Tag(TagClass.ContextSpecific, 0, true));
            if (type == DataOid)
            {
                var (offset, length) = Content(pfx, wrapped.Offset, Asn1Tag.PrimitiveOctetString);
                var plain = pfx.AsSpan(offset, length).ToArray();
                safes.Add(new Safe(offset, length, plain, null, null, CertificatesIn(plain)));
            }
            else if (type == EncryptedDataOid)
            {
                var encryptedData = Content(pfx, wrapped.Offset, Asn1Tag.Sequence);
                var contentInfo = Content(pfx, Next(pfx, encryptedData.Offset), Asn1Tag.Sequence);
                var algorithmStart = Next(pfx, contentInfo.Offset);
                var (key, iv) = Pbes2(new AsnReader(pfx.AsMemory(algorithmStart), AsnEncodingRules.DER).ReadSequence(), password);
                var (offset, length) = Content(pfx, Next(pfx, algorithmStart), new Asn1Tag(TagClass.ContextSpecific, 0));
                using var aes = Aes.Create();
                aes.Key = key;
                var plain = aes.DecryptCbc(pfx.AsSpan(offset, length), iv);
                safes.Add(new Safe(offset, length, plain, key, iv, CertificatesIn(plain)));
            }
        }
        var copy = (byte[])pfx.Clone();
        foreach (var safe in safes)
        {
            Write(copy, safe, safe.Plain);
        }
        Reseal(copy);
        if (!copy.AsSpan().SequenceEqual(pfx))
        {
            throw new InvalidDataException("Re-encrypting and resealing the untouched keytool store did not give back its bytes.");
        }
    }

    /// <summary>How many certificates the store holds.</summary>
    public int Count => safes.Sum(s => s.Certificates.Count);

    /// <summary>A copy of the store whose <paramref name="index"/>th certificate went through <paramref name="damage"/> (the bytes of its DER encoding).</summary>
    public byte[] Mutate(int index, SpanAction damage)
    {
        var bytes = (byte[])original.Clone();
        foreach (var safe in safes)
        {
            if (index >= safe.Certificates.Count)
            {
                index -= safe.Certificates.Count;
                continue;
            }
            var plain = (byte[])safe.Plain.Clone();
            var (offset, length) = safe.Certificates[index];
            damage(plain.AsSpan(offset, length));
            Write(bytes, safe, plain);
            return bytes;
        }
        throw new ArgumentOutOfRangeException(nameof(index));
    }

    public delegate void SpanAction(Span<byte> certificate);

    /// <summary>Recomputes the MAC over the authenticated safe with the known password, in place.</summary>
    public void Reseal(byte[] bytes)
    {
        HMACSHA256.HashData(MacKey(), bytes.AsSpan(contentOffset, contentLength)).CopyTo(bytes, digestOffset);
    }

    /// <summary>RFC 7292 appendix B.2 with SHA-256 (u = 32, v = 64), ID 3, one block: the MAC key; the password is BMPString with its two-byte terminator.</summary>
    private byte[] MacKey()
    {
        const int v = 64;
        var bmp = new byte[(password.Length + 1) * 2];
        for (var i = 0; i < password.Length; i++)
        {
            bmp[2 * i] = (byte)(password[i] >> 8);
            bmp[2 * i + 1] = (byte)password[i];
        }
        var input = new byte[v + v * ((macSalt.Length + v - 1) / v) + v * ((bmp.Length + v - 1) / v)];
        input.AsSpan(0, v).Fill(3);
        var s = v;
        for (var i = 0; i < v * ((macSalt.Length + v - 1) / v); i++)
        {
            input[s++] = macSalt[i % macSalt.Length];
        }
        for (var i = 0; i < v * ((bmp.Length + v - 1) / v); i++)
        {
            input[s++] = bmp[i % bmp.Length];
        }
        var a = SHA256.HashData(input);
        for (var r = 1; r < macIterations; r++)
        {
            a = SHA256.HashData(a);
        }
        return a;
    }

    private static void Write(byte[] bytes, Safe safe, byte[] plain)
    {
        if (safe.Key is null)
        {
            plain.CopyTo(bytes, safe.Offset);
            return;
        }
        using var aes = Aes.Create();
        aes.Key = safe.Key;
        var encrypted = aes.EncryptCbc(plain, safe.Iv!);
        if (encrypted.Length != safe.Length)
        {
            throw new InvalidDataException("The re-encrypted safe changed its length.");
        }
        encrypted.CopyTo(bytes, safe.Offset);
    }

    /// <summary>PBES2 with PBKDF2 (the PRF the parameters name, HMAC-SHA1 by default) and AES-CBC, as keytool writes it.</summary>
    private static (byte[] Key, byte[] Iv) Pbes2(AsnReader algorithm, string password)
    {
        if (algorithm.ReadObjectIdentifier() != Pbes2Oid)
        {
            throw new InvalidDataException("The test expects keytool's PBES2 certificate safe.");
        }
        var parameters = algorithm.ReadSequence();
        var kdf = parameters.ReadSequence();
        kdf.ReadObjectIdentifier();
        var kdfParameters = kdf.ReadSequence();
        var salt = kdfParameters.ReadOctetString();
        var iterations = (int)kdfParameters.ReadInteger();
        int? keyLength = kdfParameters.HasData && kdfParameters.PeekTag().HasSameClassAndValue(Asn1Tag.Integer) ? (int)kdfParameters.ReadInteger() : null;
        var prf = HashAlgorithmName.SHA1;
        if (kdfParameters.HasData)
        {
            prf = kdfParameters.ReadSequence().ReadObjectIdentifier() switch
            {
                HmacSha256Oid => HashAlgorithmName.SHA256,
                var other => throw new InvalidDataException($"The test does not know the PBKDF2 PRF {other}."),
            };
        }
        var cipher = parameters.ReadSequence();
        var size = cipher.ReadObjectIdentifier() switch
        {
            Aes256CbcOid => 32,
            "2.16.840.1.101.3.4.1.2" => 16,
            var other => throw new InvalidDataException($"The test does not know the cipher {other}."),
        };
        var iv = cipher.ReadOctetString();
        return (Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, prf, keyLength ?? size), iv);
    }

    /// <summary>Where each certificate of a SafeContents is, relative to its first byte.</summary>
    private static List<(int Offset, int Length)> CertificatesIn(byte[] safeContents)
    {
        var found = new List<(int, int)>();
        var bags = Content(safeContents, 0, Asn1Tag.Sequence);
        for (var p = bags.Offset; p < bags.Offset + bags.Length; p = Next(safeContents, p))
        {
            var bag = Content(safeContents, p, Asn1Tag.Sequence);
            if (new AsnReader(safeContents.AsMemory(bag.Offset), AsnEncodingRules.DER).ReadObjectIdentifier() != CertBagOid)
            {
                continue;
            }
            var value = Content(safeContents, Next(safeContents, bag.Offset), new Asn1Tag(TagClass.ContextSpecific, 0, true));
            var certBag = Content(safeContents, value.Offset, Asn1Tag.Sequence);
            var certValue = Content(safeContents, Next(safeContents, certBag.Offset), new Asn1Tag(TagClass.ContextSpecific, 0, true));
            found.Add(Content(safeContents, certValue.Offset, Asn1Tag.PrimitiveOctetString));
        }
        return found;
    }

    /// <summary>The content offset and length of the DER value at <paramref name="offset"/>, which must carry <paramref name="tag"/>.</summary>
    private static (int Offset, int Length) Content(byte[] bytes, int offset, Asn1Tag tag)
    {
        var actual = Asn1Tag.Decode(bytes.AsSpan(offset), out _);
        if (!actual.HasSameClassAndValue(tag) || actual.IsConstructed != tag.IsConstructed)
        {
            throw new InvalidDataException($"Expected {tag} at {offset}, found {actual}.");
        }
        AsnDecoder.ReadEncodedValue(bytes.AsSpan(offset), AsnEncodingRules.DER, out var contentOffset, out var contentLength, out _);
        return (offset + contentOffset, contentLength);
    }

    /// <summary>The offset of the value after the one at <paramref name="offset"/>.</summary>
    private static int Next(byte[] bytes, int offset)
    {
        AsnDecoder.ReadEncodedValue(bytes.AsSpan(offset), AsnEncodingRules.DER, out _, out _, out var consumed);
        return offset + consumed;
    }
}
