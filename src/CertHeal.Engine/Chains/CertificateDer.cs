using System.Formats.Asn1;

namespace CertHeal;

/// <summary>
/// The few facts a merge needs of every stored certificate (its names, whether it is one), read
/// from the DER with the managed ASN.1 reader. The platform's parser (OpenSSL 3.0 here) took
/// about 120 microseconds a certificate, most of it decoding the public key, which a stored
/// entry the merge only indexes never needs.
/// </summary>
internal static class CertificateDer
{
    /// <summary>
    /// True when <paramref name="der"/> is one X.509 certificate in strict DER, times included.
    /// Anything else (BER times, trailing bytes, a broken field) is left to the platform's parser
    /// and its error, so a deferred certificate is one that parsed before this existed.
    /// </summary>
    public static bool IsWellFormed(byte[] der)
    {
        try
        {
            var outer = new AsnReader(der, AsnEncodingRules.DER);
            var certificate = outer.ReadSequence();
            AtEnd(outer);
            var tbs = certificate.ReadSequence();
            certificate.ReadSequence(); // signatureAlgorithm
            certificate.ReadBitString(out _);
            AtEnd(certificate);
            if (tbs.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
            {
                var version = tbs.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true));
                version.ReadInteger();
                AtEnd(version);
            }
            tbs.ReadIntegerBytes();
            tbs.ReadSequence(); // signature
            tbs.ReadSequence(); // issuer
            var validity = tbs.ReadSequence();
            ReadTime(validity);
            ReadTime(validity);
            AtEnd(validity);
            tbs.ReadSequence(); // subject
            tbs.ReadSequence(); // subjectPublicKeyInfo
            while (tbs.HasData)
            {
                tbs.ReadEncodedValue(); // issuerUniqueID, subjectUniqueID, extensions
            }
            return true;
        }
        catch (AsnContentException)
        {
            return false;
        }
    }

    /// <summary>The issuer and subject names as encoded (what X500DistinguishedName.RawData holds); null when the bytes are not a certificate.</summary>
    public static (ReadOnlyMemory<byte> Issuer, ReadOnlyMemory<byte> Subject)? Names(byte[] der)
    {
        try
        {
            var tbs = AtIssuer(der, AsnEncodingRules.BER);
            var issuer = tbs.ReadEncodedValue();
            tbs.ReadEncodedValue(); // validity
            return (issuer, tbs.ReadEncodedValue());
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    /// <summary>
    /// The subject's common name when the platform's simple name is plainly it (exactly one CN,
    /// a non-empty UTF8String or PrintableString); null otherwise, for the caller to parse and ask
    /// the platform (its fallbacks to OU, O, e-mail and the whole subject are its own).
    /// </summary>
    public static string? SoleCommonName(ReadOnlyMemory<byte> subject)
    {
        try
        {
            string? found = null;
            var rdns = new AsnReader(subject, AsnEncodingRules.DER).ReadSequence();
            while (rdns.HasData)
            {
                var set = rdns.ReadSetOf();
                while (set.HasData)
                {
                    var attribute = set.ReadSequence();
                    if (attribute.ReadObjectIdentifier() != "2.5.4.3")
                    {
                        continue;
                    }
                    var tag = attribute.PeekTag();
                    if (found is not null || tag.TagClass != TagClass.Universal
                        || (UniversalTagNumber)tag.TagValue is not (UniversalTagNumber.UTF8String or UniversalTagNumber.PrintableString))
                    {
                        return null;
                    }
                    found = attribute.ReadCharacterString((UniversalTagNumber)tag.TagValue);
                }
            }
            return string.IsNullOrEmpty(found) ? null : found;
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    /// <summary>The end of the validity period, as X509Certificate2.NotAfter gives it in UTC; null when the bytes are not a certificate.</summary>
    public static DateTime? NotAfterUtc(byte[] der)
    {
        try
        {
            var tbs = AtIssuer(der, AsnEncodingRules.DER);
            tbs.ReadEncodedValue(); // issuer
            var validity = tbs.ReadSequence();
            validity.ReadEncodedValue();
            return (validity.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? validity.ReadUtcTime() : validity.ReadGeneralizedTime()).UtcDateTime;
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    /// <summary>The TBSCertificate's reader placed at its issuer (version, serial number and signature algorithm skipped).</summary>
    private static AsnReader AtIssuer(byte[] der, AsnEncodingRules rules)
    {
        var tbs = new AsnReader(der, rules).ReadSequence().ReadSequence();
        if (tbs.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
        {
            tbs.ReadEncodedValue();
        }
        tbs.ReadEncodedValue(); // serialNumber
        tbs.ReadEncodedValue(); // signature
        return tbs;
    }

    private static void AtEnd(AsnReader reader)
    {
        if (reader.HasData)
        {
            throw new AsnContentException();
        }
    }

    private static void ReadTime(AsnReader validity)
    {
        if (validity.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime))
        {
            validity.ReadUtcTime();
        }
        else
        {
            validity.ReadGeneralizedTime();
        }
    }
}
