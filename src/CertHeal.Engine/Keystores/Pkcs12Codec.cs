using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Keystores;

/// <summary>
/// PKCS#12 (RFC 7292) as Java and OpenSSL both read it, encoded with System.Formats.Asn1 so the
/// module needs no package PowerShell already ships in another version. Each trusted
/// certificate CertHeal adds is a CertBag with a friendlyName (the alias) and Oracle's
/// trusted-key-usage attribute, which is what makes keytool list it as trustedCertEntry.
/// No side effects: every bag CertHeal did not add is written back as the exact bytes read
/// (attributes included), in its original safe; a safe whose bags did not change is copied
/// byte for byte (ciphertext included); a safe that gains or loses bags is re-encrypted with
/// its own algorithm (PBES2/AES or a legacy PKCS#12 PBE, see <see cref="Pkcs12Pbe"/>); the MAC
/// keeps its algorithm and iteration count, and a file without a MAC stays without one.
/// Entries are counted as keytool counts them: one per key (with the certificates of its
/// chain, by local key id or by issuer) and one per other certificate.
/// Passwords: with a MAC the password is checked against it; without one, every encrypted
/// safe and shrouded key is decrypted before anything is written, so a wrong password is
/// refused instead of sealing the file under it. A file protected by an empty password
/// (`openssl -passout pass:`) or none (JDK-style, no MAC and nothing encrypted) opens without one.
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
    private const int MaxIterations = 10_000_000;
    private const int MaxBags = 100_000;

    public KeystoreFormat Format => KeystoreFormat.Pkcs12;

    /// <summary>By the outer structure alone (SEQUENCE, INTEGER 3, SEQUENCE), so a truncated file is still recognized as PKCS#12.</summary>
    public static bool LooksLikePkcs12(byte[] bytes)
    {
        if (bytes.Length < 6 || bytes[0] != 0x30)
        {
            return false;
        }
        var header = HeaderLength(bytes);
        return header > 0 && bytes.Length >= header + 4
            && bytes[header] == 0x02 && bytes[header + 1] == 0x01 && bytes[header + 2] == 0x03 && bytes[header + 3] == 0x30;
    }

    /// <summary>The length of the outer tag and length octets; 0 when they do not parse.</summary>
    private static int HeaderLength(byte[] bytes)
    {
        if (bytes[1] < 0x80)
        {
            return 2;
        }
        var octets = bytes[1] & 0x7F;
        return octets is >= 1 and <= 4 && bytes.Length > 2 + octets ? 2 + octets : bytes[1] == 0x80 ? 2 : 0;
    }

    /// <summary>The total size the outer SEQUENCE declares, or null for an indefinite length.</summary>
    private static long? DeclaredLength(byte[] bytes)
    {
        if (bytes[1] < 0x80)
        {
            return 2 + bytes[1];
        }
        var octets = bytes[1] & 0x7F;
        if (octets == 0 || octets > 4 || bytes.Length < 2 + octets)
        {
            return null;
        }
        long length = 0;
        for (var i = 0; i < octets; i++)
        {
            length = length << 8 | bytes[2 + i];
        }
        return 2 + octets + length;
    }

    public Keystore Read(byte[] bytes, string path, KeystorePassword? password)
    {
        if (bytes.Length >= 2 && bytes[0] == 0x30 && DeclaredLength(bytes) is { } declared && declared > bytes.Length)
        {
            throw new KeystoreException(KeystoreErrorKind.Corrupt, path,
                $"The keystore '{path}' is a truncated PKCS#12 file (its structure declares {declared} bytes, the file has {bytes.Length}); restore it from its .bak or a backup, or copy it again.");
        }
        try
        {
            return ReadCore(bytes, path, password);
        }
        catch (Pkcs12Pbe.UnsupportedAlgorithmException e)
        {
            throw new KeystoreException(KeystoreErrorKind.Unsupported, path,
                $"The keystore '{path}' is protected with {e.Message}, which CertHeal does not read; re-export it with AES (keytool -importkeystore, or openssl pkcs12 -export).", e);
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException or ArgumentException or InvalidOperationException or OverflowException)
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
        var layout = new Pkcs12Layout();
        var given = password?.Span.ToArray();
        // PKCS#12 encodes an empty password two ways (no bytes, or the two-byte BMP terminator)
        // and files carry either; an empty password given is read as OpenSSL reads
        // -passin pass:, trying both, so it opens what opens without one.
        var givenEmpty = given is { Length: 0 };
        try
        {
            if (pfx.HasData)
            {
                layout.Mac = MacInfo.Parse(pfx.ReadSequence());
                if (givenEmpty)
                {
                    layout.Password = layout.Mac.Matches(content, []) ? PasswordForm.Empty
                        : layout.Mac.Matches(content, null) ? PasswordForm.Absent
                        : throw WrongPassword(path);
                }
                else if (given is not null)
                {
                    if (!layout.Mac.Matches(content, given))
                    {
                        throw WrongPassword(path);
                    }
                    layout.Password = PasswordForm.Given;
                }
                else
                {
                    // Without a password, an empty one (openssl -passout pass:) or none may be what seals it.
                    layout.Password = layout.Mac.Matches(content, []) ? PasswordForm.Empty
                        : layout.Mac.Matches(content, null) ? PasswordForm.Absent : PasswordForm.Unknown;
                }
            }
            else
            {
                layout.Password = given is not null && !givenEmpty ? PasswordForm.Given : PasswordForm.Absent;
            }

            var bags = new List<Bag>();
            var safe = new AsnReader(content, AsnEncodingRules.BER).ReadSequence();
            while (safe.HasData)
            {
                var encoded = safe.ReadEncodedValue().ToArray();
                var info = new AsnReader(encoded, AsnEncodingRules.BER).ReadSequence();
                var type = info.ReadObjectIdentifier();
                var inner = info.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0));
                var entry = new Safe { Encoded = encoded };
                byte[] safeContents;
                switch (type)
                {
                    case DataOid:
                        safeContents = inner.ReadOctetString();
                        break;
                    case EncryptedDataOid:
                        var encryptedData = inner.ReadSequence();
                        encryptedData.ReadInteger();
                        var contentInfo = encryptedData.ReadSequence();
                        contentInfo.ReadObjectIdentifier();
                        entry.Algorithm = contentInfo.ReadEncodedValue().ToArray();
                        var encrypted = contentInfo.ReadOctetString(new Asn1Tag(TagClass.ContextSpecific, 0));
                        safeContents = DecryptVerified(layout, entry.Algorithm, encrypted, given, path, "its certificates");
                        layout.NewSafeAlgorithm ??= entry.Algorithm;
                        break;
                    default:
                        throw new KeystoreException(KeystoreErrorKind.Unsupported, path, $"The keystore '{path}' uses public-key encryption, which CertHeal does not read.");
                }
                var reader = new AsnReader(safeContents, AsnEncodingRules.BER).ReadSequence();
                while (reader.HasData)
                {
                    var bag = Bag.Parse(reader.ReadEncodedValue().ToArray());
                    entry.Bags.Add(bag);
                    bags.Add(bag);
                    if (bags.Count > MaxBags)
                    {
                        throw new CryptographicException($"it holds more than {MaxBags} bags");
                    }
                }
                layout.Safes.Add(entry);
            }
            if (layout.Mac is null && given is not null && !givenEmpty)
            {
                // No MAC vouches for the password: decrypt every shrouded key with it (and throw the result away).
                foreach (var bag in bags.Where(b => b.Id == ShroudedKeyBagOid))
                {
                    var shrouded = new AsnReader(bag.Value, AsnEncodingRules.BER).ReadSequence();
                    var algorithm = shrouded.ReadEncodedValue().ToArray();
                    var key = DecryptVerified(layout, algorithm, shrouded.ReadOctetString(), given, path, "its private key");
                    CryptographicOperations.ZeroMemory(key);
                }
            }
            var keystore = new Keystore { Path = path, Format = KeystoreFormat.Pkcs12, Origin = new Pkcs12StoreOrigin(layout) };
            Entries(keystore, bags);
            return keystore;
        }
        finally
        {
            if (given is not null)
            {
                CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(given.AsSpan()));
            }
        }
    }

    /// <summary>Decrypts and checks that the result is DER (a SEQUENCE), because CBC padding alone lets one wrong password in 256 through.</summary>
    private static byte[] DecryptVerified(Pkcs12Layout layout, byte[] algorithm, byte[] encrypted, char[]? given, string path, string what)
    {
        char[]?[] candidates = layout.Password switch
        {
            PasswordForm.Given => [given],
            PasswordForm.Empty => [[]],
            PasswordForm.Absent when layout.Mac is null => [null, []],
            PasswordForm.Absent => [null],
            _ => throw new KeystoreException(KeystoreErrorKind.PasswordRequired, path, $"The PKCS#12 keystore '{path}' encrypts {what}; ", RemedyKind.GivePassword),
        };
        foreach (var candidate in candidates)
        {
            try
            {
                var plain = Pkcs12Pbe.Decrypt(algorithm, encrypted, candidate);
                var check = new AsnReader(plain, AsnEncodingRules.BER);
                check.ReadSequence();
                if (!check.HasData)
                {
                    if (layout.Password == PasswordForm.Absent && candidate is not null)
                    {
                        layout.Password = PasswordForm.Empty;
                    }
                    return plain;
                }
            }
            catch (Exception e) when (e is CryptographicException or AsnContentException)
            {
                // Try the next candidate; none left means the password is wrong.
            }
        }
        throw given is null
            ? new KeystoreException(KeystoreErrorKind.PasswordRequired, path, $"The PKCS#12 keystore '{path}' encrypts {what}; ", RemedyKind.GivePassword)
            : WrongPassword(path);
    }

    private static KeystoreException WrongPassword(string path) => new(KeystoreErrorKind.WrongPassword, path,
        $"The password for '{path}' is wrong, or the file was altered (its integrity check or decryption fails); check the password.");

    /// <summary>Entries as keytool lists them: a key with its chain, each Java-trusted certificate, each other certificate not in a key's chain.</summary>
    private static void Entries(Keystore keystore, List<Bag> bags)
    {
        var aliases = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var certBags = bags.Where(b => b.Id == CertBagOid).ToList();
        foreach (var key in bags.Where(b => b.Id is KeyBagOid or ShroudedKeyBagOid))
        {
            var chain = certBags.Where(c => key.LocalKeyId is not null && c.LocalKeyId is not null && c.LocalKeyId.AsSpan().SequenceEqual(key.LocalKeyId)).ToList();
            certBags.RemoveAll(chain.Contains);
            // The CA certificates of its chain (openssl -certfile, keytool's chain) belong to the key, not to the trusted entries.
            var last = chain.Count > 0 ? chain[^1].TryCertificate(out _) : null;
            for (var depth = 0; last is not null && depth < 10 && !last.SubjectName.RawData.AsSpan().SequenceEqual(last.IssuerName.RawData); depth++)
            {
                var issuer = certBags.FirstOrDefault(c => !c.JavaTrusted && c.TryCertificate(out _) is { } ca && ca.SubjectName.RawData.AsSpan().SequenceEqual(last.IssuerName.RawData));
                if (issuer is null)
                {
                    break;
                }
                certBags.Remove(issuer);
                chain.Add(issuer);
                last = issuer.TryCertificate(out _);
            }
            var alias = key.FriendlyName ?? chain.Select(c => c.FriendlyName).FirstOrDefault(n => n is not null) ?? $"key-{keystore.Entries.Count + 1}";
            aliases.Add(alias);
            keystore.Entries.Add(new KeystoreEntry
            {
                Alias = alias,
                EntryType = KeystoreEntryType.PrivateKey,
                Certificate = chain.Count > 0 ? chain[0].TryCertificate(out _) : null,
                Origin = new Pkcs12BagOrigin([key, .. chain], alias, null),
            });
        }
        foreach (var bag in bags.Where(b => b.Id is not (KeyBagOid or ShroudedKeyBagOid or CertBagOid)))
        {
            var alias = bag.FriendlyName ?? $"entry-{keystore.Entries.Count + 1}";
            keystore.Entries.Add(new KeystoreEntry { Alias = alias, EntryType = KeystoreEntryType.Other, Origin = new Pkcs12BagOrigin([bag], alias, null) });
        }
        foreach (var cert in certBags)
        {
            // A named, well-formed certificate needs no parse to be listed (CertificateDeferral).
            if (CertificateDeferral.Active && cert.FriendlyName is { } given && cert.CertificateBytes() is { } der && CertificateDer.IsWellFormed(der) && aliases.Add(given))
            {
                var deferred = new KeystoreEntry { Alias = given, EntryType = KeystoreEntryType.TrustedCertificate, Origin = new Pkcs12BagOrigin([cert], given, der) };
                deferred.DeferCertificate(der);
                keystore.Entries.Add(deferred);
                continue;
            }
            var certificate = cert.TryCertificate(out var problem);
            var alias = cert.FriendlyName is { } name && aliases.Add(name)
                ? name
                : certificate is not null ? KeystoreAliases.Derive(certificate, aliases) : $"entry-{keystore.Entries.Count + 1}";
            keystore.Entries.Add(new KeystoreEntry
            {
                Alias = alias,
                EntryType = certificate is null ? KeystoreEntryType.Other : KeystoreEntryType.TrustedCertificate,
                Certificate = certificate,
                Unreadable = problem,
                Origin = new Pkcs12BagOrigin([cert], alias, certificate is null ? null : NonCanonicalCertificate.Der(certificate)),
            });
        }
    }

    public byte[] Write(Keystore keystore, KeystorePassword? password)
    {
        var layout = (keystore.Origin as Pkcs12StoreOrigin)?.Layout ?? Pkcs12Layout.New(keystore.NewPkcs12Encryption);
        // By content, not by reference: KeystoreFile.Save hands over entries from an earlier read of the same bytes.
        var kept = new HashSet<string>(StringComparer.Ordinal);
        var added = new List<byte[]>();
        foreach (var entry in keystore.Entries)
        {
            if (entry.Origin is Pkcs12BagOrigin opaque && (entry.EntryType != KeystoreEntryType.TrustedCertificate || opaque.Unchanged(entry)))
            {
                kept.UnionWith(opaque.Bags.Select(b => b.Key));
            }
            else if (entry.EntryType == KeystoreEntryType.TrustedCertificate && entry.Certificate is not null && entry.CertificateBytes is { } der)
            {
                added.Add(TrustedCertificateBag(entry.Alias, der));
            }
        }
        // New certificates join the safe that holds certificates already, so they get the same protection.
        var target = layout.Safes.FindIndex(s => s.Bags.Any(b => b.Id == CertBagOid));
        char[]? secret = null;
        var secretResolved = false;
        char[]? Secret()
        {
            if (!secretResolved)
            {
                secret = layout.Password switch
                {
                    PasswordForm.Empty => [],
                    PasswordForm.Absent => null,
                    _ => password?.Span.ToArray() ?? throw new KeystoreException(KeystoreErrorKind.PasswordRequired, keystore.Path,
                        $"Writing the PKCS#12 keystore '{keystore.Path}' needs its password; ", RemedyKind.GivePassword),
                };
                secretResolved = true;
            }
            return secret;
        }
        try
        {
            // AsnWriter grows by a fixed block, not by doubling: unsized, it copied its buffer once
            // per kilobyte written (2.6 GB of copies for 20,000 certificates, a profile showed).
            var authenticatedSafe = new AsnWriter(AsnEncodingRules.DER, Capacity(layout.Safes.Sum(s => s.Encoded.Length) + added.Sum(b => b.Length)));
            using (authenticatedSafe.PushSequence())
            {
                for (var i = 0; i < layout.Safes.Count; i++)
                {
                    var safe = layout.Safes[i];
                    var bags = safe.Bags.Where(b => kept.Contains(b.Key)).Select(b => b.Encoded).ToList();
                    var extra = i == target ? added : [];
                    if (extra.Count == 0 && bags.Count == safe.Bags.Count)
                    {
                        authenticatedSafe.WriteEncodedValue(safe.Encoded);
                    }
                    else if (bags.Count + extra.Count > 0)
                    {
                        WriteSafe(authenticatedSafe, safe.Algorithm, [.. bags, .. extra], Secret);
                    }
                }
                if (target < 0 && added.Count > 0)
                {
                    WriteSafe(authenticatedSafe, layout.NewSafeAlgorithm, added, Secret);
                }
            }
            var content = authenticatedSafe.Encode();
            var pfx = new AsnWriter(AsnEncodingRules.DER, Capacity(content.Length));
            using (pfx.PushSequence())
            {
                pfx.WriteInteger(3);
                WriteDataContentInfo(pfx, content);
                layout.Mac?.Write(pfx, content, Secret());
            }
            return pfx.Encode();
        }
        finally
        {
            if (secret is not null)
            {
                CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(secret.AsSpan()));
            }
        }
    }

    /// <summary>An AsnWriter's starting size for <paramref name="payload"/> bytes plus headers, MAC and encryption padding.</summary>
    private static int Capacity(long payload) => (int)Math.Min(int.MaxValue / 2, payload + payload / 16 + 4096);

    private static void WriteSafe(AsnWriter writer, byte[]? algorithm, IReadOnlyList<byte[]> bags, Func<char[]?> secret)
    {
        var safeContents = new AsnWriter(AsnEncodingRules.DER, Capacity(bags.Sum(b => (long)b.Length)));
        using (safeContents.PushSequence())
        {
            foreach (var bag in bags)
            {
                safeContents.WriteEncodedValue(bag);
            }
        }
        if (algorithm is null)
        {
            WriteDataContentInfo(writer, safeContents.Encode());
            return;
        }
        var (newAlgorithm, encrypted) = Pkcs12Pbe.Encrypt(algorithm, safeContents.Encode(), secret());
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(EncryptedDataOid);
            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
            using (writer.PushSequence())
            {
                writer.WriteInteger(0);
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(DataOid);
                    writer.WriteEncodedValue(newAlgorithm);
                    writer.WriteOctetString(encrypted, new Asn1Tag(TagClass.ContextSpecific, 0));
                }
            }
        }
    }

    private static byte[] TrustedCertificateBag(string alias, byte[] certificate)
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
                    writer.WriteOctetString(certificate);
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

    /// <summary>How the password that seals a file was given: the caller's, empty, none, or not known yet (none given, and neither empty nor none matches the MAC).</summary>
    internal enum PasswordForm
    {
        Given,
        Empty,
        Absent,
        Unknown,
    }

    /// <summary>A file's safes and protection as read, so a rewrite keeps them.</summary>
    internal sealed class Pkcs12Layout
    {
        public List<Safe> Safes { get; } = [];

        public MacInfo? Mac { get; set; }

        public PasswordForm Password { get; set; }

        /// <summary>How a safe for new certificates is encrypted when the file has no certificate safe yet (null: not at all).</summary>
        public byte[]? NewSafeAlgorithm { get; set; }

        public static Pkcs12Layout New(Pkcs12Encryption? encryption) => new()
        {
            Password = PasswordForm.Given,
            NewSafeAlgorithm = encryption is { } e ? Pkcs12Pbe.Template(e) : null,
            Mac = encryption == Pkcs12Encryption.Legacy
                ? new MacInfo(HashAlgorithmName.SHA1, Sha1Oid, [], new byte[8], 2048)
                : new MacInfo(HashAlgorithmName.SHA256, Sha256Oid, [], new byte[16], 10_000),
        };
    }

    internal sealed class Safe
    {
        public required byte[] Encoded { get; init; }

        /// <summary>The AlgorithmIdentifier of an encrypted safe; null for a plain one.</summary>
        public byte[]? Algorithm { get; set; }

        public List<Bag> Bags { get; } = [];
    }

    /// <summary>The integrity MAC: its hash, iteration count and salt size are kept on rewrite (with a fresh salt).</summary>
    internal sealed record MacInfo(HashAlgorithmName Hash, string Oid, byte[] Expected, byte[] Salt, int Iterations)
    {
        public static MacInfo Parse(AsnReader macData)
        {
            var digestInfo = macData.ReadSequence();
            var oid = digestInfo.ReadSequence().ReadObjectIdentifier();
            var expected = digestInfo.ReadOctetString();
            var salt = macData.ReadOctetString();
            var iterations = macData.HasData ? (int)macData.ReadInteger() : 1;
            if (iterations < 1 || iterations > MaxIterations)
            {
                throw new CryptographicException($"the MAC iteration count {iterations} is out of range");
            }
            var hash = oid switch
            {
                Sha256Oid => HashAlgorithmName.SHA256,
                Sha1Oid => HashAlgorithmName.SHA1,
                "2.16.840.1.101.3.4.2.2" => HashAlgorithmName.SHA384,
                "2.16.840.1.101.3.4.2.3" => HashAlgorithmName.SHA512,
                _ => throw new Pkcs12Pbe.UnsupportedAlgorithmException($"the MAC algorithm {oid}"),
            };
            return new MacInfo(hash, oid, expected, salt, iterations);
        }

        public bool Matches(byte[] content, char[]? password) => CryptographicOperations.FixedTimeEquals(Compute(Salt, content, password), Expected);

        public void Write(AsnWriter pfx, byte[] content, char[]? password)
        {
            var salt = RandomNumberGenerator.GetBytes(Math.Max(8, Salt.Length));
            using (pfx.PushSequence())
            {
                using (pfx.PushSequence())
                {
                    using (pfx.PushSequence())
                    {
                        pfx.WriteObjectIdentifier(Oid);
                        pfx.WriteNull();
                    }
                    pfx.WriteOctetString(Compute(salt, content, password));
                }
                pfx.WriteOctetString(salt);
                pfx.WriteInteger(Iterations);
            }
        }

        private byte[] Compute(byte[] salt, byte[] content, char[]? password)
        {
            var key = Pkcs12Pbe.Kdf(Hash, 3, password, salt, Iterations, Pkcs12Pbe.HashSize(Hash));
            try
            {
                using var hmac = IncrementalHash.CreateHMAC(Hash, key);
                hmac.AppendData(content);
                return hmac.GetHashAndReset();
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }
    }

    /// <summary>One SafeBag: its exact bytes, and what CertHeal reads from it.</summary>
    internal sealed record Bag(byte[] Encoded, string Id, byte[] Value, string? FriendlyName, byte[]? LocalKeyId, bool JavaTrusted)
    {
        public string Key => Convert.ToBase64String(Encoded);

        public static Bag Parse(byte[] encoded)
        {
            var bag = new AsnReader(encoded, AsnEncodingRules.BER).ReadSequence();
            var id = bag.ReadObjectIdentifier();
            var value = bag.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadEncodedValue().ToArray();
            string? friendlyName = null;
            byte[]? localKeyId = null;
            var javaTrusted = false;
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
                    else if (oid == JavaTrustedKeyUsageOid)
                    {
                        javaTrusted = true;
                    }
                }
            }
            return new Bag(encoded, id, value, friendlyName, localKeyId, javaTrusted);
        }

        /// <summary>The DER of an X.509 certificate bag, unparsed; null for another kind of bag or a broken one.</summary>
        public byte[]? CertificateBytes()
        {
            try
            {
                var certBag = new AsnReader(Value, AsnEncodingRules.BER).ReadSequence();
                return certBag.ReadObjectIdentifier() == X509CertificateOid
                    ? certBag.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadOctetString()
                    : null;
            }
            catch (AsnContentException)
            {
                return null;
            }
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
                return NonCanonicalCertificate.Load(certBag.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadOctetString());
            }
            catch (Exception e) when (e is AsnContentException or CryptographicException)
            {
                problem = $"its certificate does not parse ({e.Message.TrimEnd('.')})";
                return null;
            }
        }
    }

    /// <summary>The SafeBags of a private-key entry exactly as read (tests and diagnostics; never decrypted).</summary>
    internal static byte[]? KeyBags(KeystoreEntry entry) => (entry.Origin as Pkcs12BagOrigin)?.ProtectedBytes;
}
