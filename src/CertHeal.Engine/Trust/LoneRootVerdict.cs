using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Trust;

/// <summary>
/// The verdict on a self-signed certificate judged alone, the question a merge asks of every
/// incoming root, without a chain build when the platform's engine could report nothing for it.
/// Alone, a self-signed certificate is its own path, and the only flags of the platform the path
/// rules read for it (PathRules: an unknown critical extension, basic constraints, name
/// constraints, policy constraints, an extension that does not decode) all come from its
/// extensions; its own signature they ignore (no client checks the signature of its anchor).
/// So a certificate whose extensions are a few well-formed ones OpenSSL knows, with nothing that
/// constrains names or policies, gets the verdict of its path with no flags, which is what
/// OpenSSL 3.0 reports for it (x509v3_cache_extensions, check_chain_extensions at depth 0). Any
/// other shape, however common, is left to the chain engine: this only answers when sure.
/// One chain build per root was a quarter of a 10,000-root merge.
/// </summary>
internal static class LoneRootVerdict
{
    private const string BasicConstraints = "2.5.29.19";
    private const string KeyUsage = "2.5.29.15";
    private const string SubjectKeyIdentifier = "2.5.29.14";
    private const string AuthorityKeyIdentifier = "2.5.29.35";

    /// <summary>The verdict the chain engine would give; null when the certificate's shape is not one this can vouch for.</summary>
    public static TrustVerdict? TryJudge(X509Certificate2 certificate, TrustAnchors anchors, DateTime nowUtc)
    {
        if (!IsPlain(certificate))
        {
            return null;
        }
        VerdictCounter.Judged();
        return ChainTrustEvaluator.FromPath([certificate], [X509ChainStatusFlags.NoError], anchors, nowUtc, complete: true, clientCertificate: false);
    }

    /// <summary>
    /// A version 3 certificate in strict DER whose subject is its issuer, without unique
    /// identifiers, whose extensions are exactly: basic constraints with cA true (a non-negative
    /// path length allowed), optionally key usage with keyCertSign, a subject key identifier, and an
    /// authority key identifier that holds only that same key identifier; each at most once and
    /// well-formed, the identifiers non-critical.
    /// </summary>
    internal static bool IsPlain(X509Certificate2 certificate)
    {
        var der = certificate.RawData;
        if (NonCanonicalCertificate.IsNonCanonical(certificate) || !CertificateDer.IsWellFormed(der))
        {
            return false;
        }
        try
        {
            var tbs = new AsnReader(der, AsnEncodingRules.DER).ReadSequence().ReadSequence();
            var versionTag = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
            if (!tbs.PeekTag().HasSameClassAndValue(versionTag) || !tbs.ReadSequence(versionTag).TryReadInt32(out var version) || version != 2)
            {
                return false;
            }
            tbs.ReadIntegerBytes();
            tbs.ReadSequence(); // signature
            var issuer = tbs.ReadEncodedValue();
            tbs.ReadSequence(); // validity
            var subject = tbs.ReadEncodedValue();
            tbs.ReadSequence(); // subjectPublicKeyInfo
            var extensionsTag = new Asn1Tag(TagClass.ContextSpecific, 3, isConstructed: true);
            if (!issuer.Span.SequenceEqual(subject.Span) || !tbs.HasData || !tbs.PeekTag().HasSameClassAndValue(extensionsTag))
            {
                return false;
            }
            var extensions = tbs.ReadSequence(extensionsTag).ReadSequence();
            if (tbs.HasData)
            {
                return false;
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            (bool Ca, byte[]? KeyId, byte[]? AuthorityKeyId) found = (false, null, null);
            while (extensions.HasData)
            {
                var extension = extensions.ReadSequence();
                var oid = extension.ReadObjectIdentifier();
                var critical = extension.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean) && extension.ReadBoolean();
                var value = extension.ReadOctetString();
                if (extension.HasData || !seen.Add(oid))
                {
                    return false;
                }
                var ok = oid switch
                {
                    BasicConstraints => ReadCa(value, out found.Ca),
                    KeyUsage => AllowsCertificateSigning(value),
                    SubjectKeyIdentifier => !critical && ReadKeyIdentifier(value, out found.KeyId),
                    AuthorityKeyIdentifier => !critical && ReadAuthorityKeyIdentifier(value, out found.AuthorityKeyId),
                    _ => false,
                };
                if (!ok)
                {
                    return false;
                }
            }
            return found.Ca && (found.AuthorityKeyId is null || (found.KeyId is { } keyId && keyId.AsSpan().SequenceEqual(found.AuthorityKeyId)));
        }
        catch (AsnContentException)
        {
            return false;
        }
    }

    private static bool ReadCa(byte[] value, out bool ca)
    {
        var reader = new AsnReader(value, AsnEncodingRules.DER);
        var sequence = reader.ReadSequence();
        ca = sequence.HasData && sequence.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean) && sequence.ReadBoolean();
        if (sequence.HasData && (!sequence.TryReadInt32(out var pathLength) || pathLength < 0))
        {
            return false;
        }
        return ca && !sequence.HasData && !reader.HasData;
    }

    private static bool AllowsCertificateSigning(byte[] value)
    {
        var reader = new AsnReader(value, AsnEncodingRules.DER);
        var bits = reader.ReadBitString(out _);
        // keyCertSign is bit 5: the first octet's 0x04.
        return !reader.HasData && bits.Length > 0 && (bits[0] & 0x04) != 0;
    }

    private static bool ReadKeyIdentifier(byte[] value, out byte[]? keyId)
    {
        var reader = new AsnReader(value, AsnEncodingRules.DER);
        keyId = reader.ReadOctetString();
        return !reader.HasData && keyId.Length > 0;
    }

    private static bool ReadAuthorityKeyIdentifier(byte[] value, out byte[]? keyId)
    {
        keyId = null;
        var reader = new AsnReader(value, AsnEncodingRules.DER);
        var sequence = reader.ReadSequence();
        var keyIdTag = new Asn1Tag(TagClass.ContextSpecific, 0);
        if (reader.HasData || !sequence.HasData || !sequence.PeekTag().HasSameClassAndValue(keyIdTag))
        {
            return false;
        }
        keyId = sequence.ReadOctetString(keyIdTag);
        return !sequence.HasData && keyId.Length > 0;
    }
}
