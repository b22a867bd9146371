using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace CertHeal.Keystores;

/// <summary>
/// PKCS#12 (RFC 7292) as Java and OpenSSL both read it, encoded with System.Formats.Asn1 so the
/// module needs no package PowerShell already ships in another version. Each trusted
/// certificate is a CertBag with a friendlyName (the alias) and Oracle's trusted-key-usage
/// attribute, which is what makes keytool list it as trustedCertEntry. Certificates are public,
/// so they are stored unencrypted under an HMAC-SHA256 integrity MAC. Private-key bags (and the
/// certificate bags that belong to them) are kept as the exact bytes read and written back.
/// Reading handles PBES2 (PBKDF2 + AES-CBC), what keytool and OpenSSL 3 write.
/// </summary>
internal sealed class Pkcs12Codec : IKeystoreCodec
{
    private const string DataOid = "1.2.840.113549.1.7.1";
    private const string EncryptedDataOid = "1.2.840.113549.1.7.6";
    private const string KeyBagOid = "1.2.840.113549.1.12.10.1.1";
    private const string ShroudedKeyBagOid = "1.2.840.113549.1.12.10.1.2";
    private const string CertBagOid = "1.2.840.113549.1.12.10.1.3";
    private const string X509CertificateOid = "1.2.840.113549.1.9.22.1";
    private const string FriendlyNameOid = "1.2.840.113549.1.9.20";
    private const string LocalKeyIdOid = "1.2.840.113549.1.9.21";
    private const string JavaTrustedKeyUsageOid = "2.16.840.1.113894.746875.1.1";
    private const string AnyExtendedKeyUsageOid = "2.5.29.37.0";
    private const string Sha256Oid = "2.16.840.1.101.3.4.2.1";
    private const string Sha1Oid = "1.3.14.3.2.26";
    private const string Pbes2Oid = "1.2.840.113549.1.5.13";
    private const string Pbkdf2Oid = "1.2.840.113549.1.5.12";
    private const int MacIterations = 10_000;
    private const int MaxIterations = 10_000_000;

    public KeystoreFormat Format => KeystoreFormat.Pkcs12;

    public static bool LooksLikePkcs12(byte[] bytes)
    {
        try
        {
            var pfx = new AsnReader(bytes, AsnEncodingRules.BER).ReadSequence();
            return pfx.TryReadInt32(out var version) && version == 3 && pfx.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence);
        }
        catch (AsnContentException)
        {
            return false;
        }
    }

    public Keystore Read(byte[] bytes, string path, KeystorePassword? password)
    {
        try
        {
            return ReadCore(bytes, path, password);
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException or ArgumentException or InvalidOperationException)
        {
            throw new KeystoreException(KeystoreErrorKind.Corrupt, path, $"The keystore '{path}' is not a valid PKCS#12 file ({e.Message.TrimEnd('.')}); restore it from its .bak or a backup.", e);
        }
    }

    private static Keystore ReadCore(byte[] bytes, string path, KeystorePassword? password)
    {
        var pfx = new AsnReader(bytes, AsnEncodingRules.BER).ReadSequence();
        pfx.ReadInteger();
        var authSafe = pfx.ReadSequence();
        if (authSafe.ReadObjectIdentifier() != DataOid)
        {
            throw new KeystoreException(KeystoreErrorKind.Unsupported, path, $"The keystore '{path}' is sealed with a public key, which CertHeal does not read.");
        }
        var content = authSafe.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadOctetString();
        // Without a password, certificates stored in the clear are listed unverified (as keytool
        // -list does); encrypted ones need it (Decrypt says so).
        if (pfx.HasData && password is not null)
        {
            if (!VerifyMac(pfx.ReadSequence(), content, password))
            {
                throw new KeystoreException(KeystoreErrorKind.WrongPassword, path,
                    $"The password for '{path}' is wrong, or the file was altered (its integrity check fails); check the password.");
            }
        }

        var bags = new List<Bag>();
        var safe = new AsnReader(content, AsnEncodingRules.BER).ReadSequence();
        while (safe.HasData)
        {
            var info = safe.ReadSequence();
            var type = info.ReadObjectIdentifier();
            var inner = info.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0));
            byte[] safeContents = type switch
            {
                DataOid => inner.ReadOctetString(),
                EncryptedDataOid => Decrypt(inner.ReadSequence(), password, path),
                _ => throw new KeystoreException(KeystoreErrorKind.Unsupported, path, $"The keystore '{path}' uses public-key encryption, which CertHeal does not read."),
            };
            var reader = new AsnReader(safeContents, AsnEncodingRules.BER).ReadSequence();
            while (reader.HasData)
            {
                bags.Add(Bag.Parse(reader.ReadEncodedValue().ToArray()));
            }
        }

        var keystore = new Keystore { Path = path, Format = KeystoreFormat.Pkcs12 };
        var aliases = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var certBags = bags.Where(b => b.Id == CertBagOid).ToList();
        foreach (var key in bags.Where(b => b.Id is KeyBagOid or ShroudedKeyBagOid))
        {
            var chain = certBags.Where(c => key.LocalKeyId is not null && c.LocalKeyId is not null && c.LocalKeyId.AsSpan().SequenceEqual(key.LocalKeyId)).ToList();
            certBags.RemoveAll(chain.Contains);
            var alias = key.FriendlyName ?? chain.Select(c => c.FriendlyName).FirstOrDefault(n => n is not null) ?? $"key-{keystore.Entries.Count + 1}";
            aliases.Add(alias);
            keystore.Entries.Add(new KeystoreEntry
            {
                Alias = alias,
                EntryType = KeystoreEntryType.PrivateKey,
                Certificate = chain.Count > 0 ? chain[0].TryCertificate(out _) : null,
                Opaque = new Pkcs12Opaque([key, .. chain]),
            });
        }
        foreach (var bag in bags.Where(b => b.Id is not (KeyBagOid or ShroudedKeyBagOid or CertBagOid)))
        {
            keystore.Entries.Add(new KeystoreEntry { Alias = bag.FriendlyName ?? $"entry-{keystore.Entries.Count + 1}", EntryType = KeystoreEntryType.Other, Opaque = new Pkcs12Opaque([bag]) });
        }
        foreach (var cert in certBags)
        {
            var certificate = cert.TryCertificate(out var problem);
            var alias = cert.FriendlyName is { } name && aliases.Add(name)
                ? name
                : certificate is not null ? KeystoreAliases.Derive(certificate, aliases) : $"entry-{keystore.Entries.Count + 1}";
            keystore.Entries.Add(new KeystoreEntry { Alias = alias, EntryType = KeystoreEntryType.TrustedCertificate, Certificate = certificate, Unreadable = problem });
        }
        return keystore;
    }

    public byte[] Write(Keystore keystore, KeystorePassword? password)
    {
        if (password is null)
        {
            throw new KeystoreException(KeystoreErrorKind.PasswordRequired, keystore.Path,
                $"Writing the PKCS#12 keystore '{keystore.Path}' needs its password; pass -Password or -Credential.");
        }
        var certificateBags = new List<byte[]>();
        var keyBags = new List<byte[]>();
        foreach (var entry in keystore.Entries)
        {
            if (entry.Opaque is Pkcs12Opaque opaque)
            {
                foreach (var bag in opaque.Bags)
                {
                    (bag.Id == CertBagOid ? certificateBags : keyBags).Add(bag.Encoded);
                }
            }
            else if (entry.EntryType == KeystoreEntryType.TrustedCertificate && entry.Certificate is not null)
            {
                certificateBags.Add(TrustedCertificateBag(entry.Alias, entry.Certificate));
            }
        }

        var authenticatedSafe = new AsnWriter(AsnEncodingRules.DER);
        using (authenticatedSafe.PushSequence())
        {
            foreach (var group in new[] { certificateBags, keyBags }.Where(g => g.Count > 0))
            {
                var safeContents = new AsnWriter(AsnEncodingRules.DER);
                using (safeContents.PushSequence())
                {
                    foreach (var bag in group)
                    {
                        safeContents.WriteEncodedValue(bag);
                    }
                }
                WriteDataContentInfo(authenticatedSafe, safeContents.Encode());
            }
        }
        var content = authenticatedSafe.Encode();

        var salt = RandomNumberGenerator.GetBytes(16);
        var pfx = new AsnWriter(AsnEncodingRules.DER);
        using (pfx.PushSequence())
        {
            pfx.WriteInteger(3);
            WriteDataContentInfo(pfx, content);
            using (pfx.PushSequence())
            {
                using (pfx.PushSequence())
                {
                    using (pfx.PushSequence())
                    {
                        pfx.WriteObjectIdentifier(Sha256Oid);
                        pfx.WriteNull();
                    }
                    pfx.WriteOctetString(Mac(HashAlgorithmName.SHA256, password, salt, MacIterations, content));
                }
                pfx.WriteOctetString(salt);
                pfx.WriteInteger(MacIterations);
            }
        }
        return pfx.Encode();
    }

    private static byte[] TrustedCertificateBag(string alias, X509Certificate2 certificate)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(CertBagOid);
            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(X509CertificateOid);
                using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
                {
                    writer.WriteOctetString(certificate.RawData);
                }
            }
            using (writer.PushSetOf())
            {
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(FriendlyNameOid);
                    using (writer.PushSetOf())
                    {
                        writer.WriteCharacterString(UniversalTagNumber.BMPString, alias);
                    }
                }
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(JavaTrustedKeyUsageOid);
                    using (writer.PushSetOf())
                    {
                        writer.WriteObjectIdentifier(AnyExtendedKeyUsageOid);
                    }
                }
            }
        }
        return writer.Encode();
    }

    private static void WriteDataContentInfo(AsnWriter writer, byte[] data)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(DataOid);
            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
            {
                writer.WriteOctetString(data);
            }
        }
    }

    private static bool VerifyMac(AsnReader macData, byte[] content, KeystorePassword password)
    {
        var digestInfo = macData.ReadSequence();
        var algorithm = digestInfo.ReadSequence().ReadObjectIdentifier();
        var expected = digestInfo.ReadOctetString();
        var salt = macData.ReadOctetString();
        var iterations = macData.HasData ? (int)macData.ReadInteger() : 1;
        if (iterations < 1 || iterations > MaxIterations)
        {
            throw new CryptographicException($"the MAC iteration count {iterations} is out of range");
        }
        var hash = algorithm switch
        {
            Sha256Oid => HashAlgorithmName.SHA256,
            Sha1Oid => HashAlgorithmName.SHA1,
            "2.16.840.1.101.3.4.2.2" => HashAlgorithmName.SHA384,
            "2.16.840.1.101.3.4.2.3" => HashAlgorithmName.SHA512,
            _ => throw new CryptographicException($"the MAC algorithm {algorithm} is not supported"),
        };
        return CryptographicOperations.FixedTimeEquals(Mac(hash, password, salt, iterations, content), expected);
    }

    private static byte[] Mac(HashAlgorithmName hash, KeystorePassword password, byte[] salt, int iterations, byte[] content)
    {
        var size = HashSize(hash);
        var key = Pkcs12Kdf(hash, 3, password, salt, iterations, size);
        try
        {
            using var hmac = IncrementalHash.CreateHMAC(hash, key);
            hmac.AppendData(content);
            return hmac.GetHashAndReset();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static int HashSize(HashAlgorithmName hash) =>
        hash == HashAlgorithmName.SHA1 ? 20 : hash == HashAlgorithmName.SHA384 ? 48 : hash == HashAlgorithmName.SHA512 ? 64 : 32;

    /// <summary>RFC 7292 appendix B.2: the PKCS#12 key derivation used for the integrity MAC.</summary>
    private static byte[] Pkcs12Kdf(HashAlgorithmName hash, byte id, KeystorePassword password, byte[] salt, int iterations, int length)
    {
        var u = HashSize(hash);
        var v = hash == HashAlgorithmName.SHA384 || hash == HashAlgorithmName.SHA512 ? 128 : 64;
        var bmp = new byte[(password.Span.Length + 1) * 2];
        for (var i = 0; i < password.Span.Length; i++)
        {
            bmp[2 * i] = (byte)(password.Span[i] >> 8);
            bmp[2 * i + 1] = (byte)password.Span[i];
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

    /// <summary>Decrypts a PBES2 (PBKDF2 + AES-CBC) EncryptedData, as keytool and OpenSSL 3 write it.</summary>
    private static byte[] Decrypt(AsnReader encryptedData, KeystorePassword? password, string path)
    {
        if (password is null)
        {
            throw new KeystoreException(KeystoreErrorKind.PasswordRequired, path, $"The PKCS#12 keystore '{path}' is encrypted; pass -Password or -Credential.");
        }
        encryptedData.ReadInteger();
        var info = encryptedData.ReadSequence();
        info.ReadObjectIdentifier();
        var algorithm = info.ReadSequence();
        var scheme = algorithm.ReadObjectIdentifier();
        if (scheme != Pbes2Oid)
        {
            throw new KeystoreException(KeystoreErrorKind.Unsupported, path,
                $"The keystore '{path}' encrypts its certificates with a legacy algorithm ({scheme}); re-export it with AES (keytool -importkeystore, or openssl pkcs12 -export without -legacy).");
        }
        var parameters = algorithm.ReadSequence();
        var kdf = parameters.ReadSequence();
        if (kdf.ReadObjectIdentifier() != Pbkdf2Oid)
        {
            throw new CryptographicException("the PBES2 key derivation is not PBKDF2");
        }
        var kdfParams = kdf.ReadSequence();
        var salt = kdfParams.ReadOctetString();
        var iterations = (int)kdfParams.ReadInteger();
        if (iterations < 1 || iterations > MaxIterations)
        {
            throw new CryptographicException($"the PBKDF2 iteration count {iterations} is out of range");
        }
        int? keyLength = null;
        if (kdfParams.HasData && kdfParams.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
        {
            keyLength = (int)kdfParams.ReadInteger();
        }
        var prf = HashAlgorithmName.SHA1;
        if (kdfParams.HasData)
        {
            prf = kdfParams.ReadSequence().ReadObjectIdentifier() switch
            {
                "1.2.840.113549.2.7" => HashAlgorithmName.SHA1,
                "1.2.840.113549.2.9" => HashAlgorithmName.SHA256,
                "1.2.840.113549.2.10" => HashAlgorithmName.SHA384,
                "1.2.840.113549.2.11" => HashAlgorithmName.SHA512,
                var other => throw new CryptographicException($"the PBKDF2 function {other} is not supported"),
            };
        }
        var cipher = parameters.ReadSequence();
        var size = cipher.ReadObjectIdentifier() switch
        {
            "2.16.840.1.101.3.4.1.2" => 16,
            "2.16.840.1.101.3.4.1.22" => 24,
            "2.16.840.1.101.3.4.1.42" => 32,
            var other => throw new KeystoreException(KeystoreErrorKind.Unsupported, path, $"The keystore '{path}' uses the cipher {other}; re-export it with AES."),
        };
        var iv = cipher.ReadOctetString();
        var encrypted = info.ReadOctetString(new Asn1Tag(TagClass.ContextSpecific, 0));
        var secret = Encoding.UTF8.GetBytes(password.Span.ToArray());
        var key = Rfc2898DeriveBytes.Pbkdf2(secret, salt, iterations, prf, keyLength ?? size);
        CryptographicOperations.ZeroMemory(secret);
        using var aes = Aes.Create();
        aes.Key = key;
        CryptographicOperations.ZeroMemory(key);
        try
        {
            return aes.DecryptCbc(encrypted, iv);
        }
        catch (CryptographicException)
        {
            throw new KeystoreException(KeystoreErrorKind.WrongPassword, path, $"The password for '{path}' does not decrypt it; check the password.");
        }
    }

    /// <summary>One SafeBag: its exact bytes, and what CertHeal reads from it.</summary>
    private sealed record Bag(byte[] Encoded, string Id, byte[] Value, string? FriendlyName, byte[]? LocalKeyId)
    {
        public static Bag Parse(byte[] encoded)
        {
            var bag = new AsnReader(encoded, AsnEncodingRules.BER).ReadSequence();
            var id = bag.ReadObjectIdentifier();
            var value = bag.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadEncodedValue().ToArray();
            string? friendlyName = null;
            byte[]? localKeyId = null;
            if (bag.HasData)
            {
                var attributes = bag.ReadSetOf();
                while (attributes.HasData)
                {
                    var attribute = attributes.ReadSequence();
                    var oid = attribute.ReadObjectIdentifier();
                    var values = attribute.ReadSetOf();
                    if (oid == FriendlyNameOid && values.HasData)
                    {
                        friendlyName = values.ReadCharacterString(UniversalTagNumber.BMPString);
                    }
                    else if (oid == LocalKeyIdOid && values.HasData)
                    {
                        localKeyId = values.ReadOctetString();
                    }
                }
            }
            return new Bag(encoded, id, value, friendlyName, localKeyId);
        }

        public X509Certificate2? TryCertificate(out string? problem)
        {
            try
            {
                var certBag = new AsnReader(Value, AsnEncodingRules.BER).ReadSequence();
                if (certBag.ReadObjectIdentifier() != X509CertificateOid)
                {
                    problem = "it is not an X.509 certificate";
                    return null;
                }
                problem = null;
                return new X509Certificate2(certBag.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadOctetString());
            }
            catch (Exception e) when (e is AsnContentException or CryptographicException)
            {
                problem = $"its certificate does not parse ({e.Message.TrimEnd('.')})";
                return null;
            }
        }
    }

    private sealed record Pkcs12Opaque(IReadOnlyList<Bag> Bags) : IOpaqueEntry
    {
        public byte[] ProtectedBytes => Bags.SelectMany(b => b.Encoded).ToArray();
    }

    /// <summary>The SafeBags of a private-key entry exactly as read (tests and diagnostics; never decrypted).</summary>
    internal static byte[]? KeyBags(KeystoreEntry entry) => (entry.Opaque as Pkcs12Opaque)?.ProtectedBytes;
}
