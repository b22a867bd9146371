using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;

namespace CertHeal.Keystores;

/// <summary>
/// OpenSSL's X509_NAME_hash (what `openssl x509 -subject_hash` prints and what -CApath looks up
/// as `&lt;hash&gt;.&lt;n&gt;`): the first four bytes, little-endian, of the SHA-1 of the name's
/// canonical encoding. Canonical (x509_name_canon): each RDN's SET re-encoded in DER with every
/// string value turned into a UTF8String, lower-cased (ASCII only), trimmed and with runs of
/// white space collapsed to one space; the outer SEQUENCE is left out. Computed here rather than
/// by running `openssl rehash`, so a folder gets its links on machines without openssl too.
/// </summary>
internal static class OpenSslSubjectHash
{
    public static string Of(byte[] name)
    {
        var canonical = new AsnWriter(AsnEncodingRules.DER);
        var rdns = new AsnReader(name, AsnEncodingRules.BER).ReadSequence();
        while (rdns.HasData)
        {
            var rdn = rdns.ReadSetOf();
            using (canonical.PushSetOf())
            {
                while (rdn.HasData)
                {
                    var attribute = rdn.ReadSequence();
                    using (canonical.PushSequence())
                    {
                        canonical.WriteObjectIdentifier(attribute.ReadObjectIdentifier());
                        var value = attribute.ReadEncodedValue();
                        if (Canonical(value.ToArray()) is { } text)
                        {
                            canonical.WriteCharacterString(UniversalTagNumber.UTF8String, text);
                        }
                        else
                        {
                            canonical.WriteEncodedValue(value.Span);
                        }
                    }
                }
            }
        }
        var encoded = canonical.Encode();
        var digest = SHA1.HashData(encoded);
        var hash = digest[0] | (uint)digest[1] << 8 | (uint)digest[2] << 16 | (uint)digest[3] << 24;
        return hash.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The canonical text of a string value, or null for a value OpenSSL copies as it is (not one of its string types).</summary>
    private static string? Canonical(byte[] encoded)
    {
        var tag = Asn1Tag.Decode(encoded, out _);
        if (tag.TagClass != TagClass.Universal)
        {
            return null;
        }
        var reader = new AsnReader(encoded, AsnEncodingRules.BER);
        string text;
        switch ((UniversalTagNumber)tag.TagValue)
        {
            case UniversalTagNumber.UTF8String:
            case UniversalTagNumber.BMPString:
            case UniversalTagNumber.PrintableString:
            case UniversalTagNumber.IA5String:
            case UniversalTagNumber.VisibleString:
                text = reader.ReadCharacterString((UniversalTagNumber)tag.TagValue);
                break;
            case UniversalTagNumber.T61String:
                // OpenSSL treats T61String as Latin-1.
                text = Encoding.Latin1.GetString(reader.ReadOctetString(new Asn1Tag(UniversalTagNumber.T61String)));
                break;
            case UniversalTagNumber.UniversalString:
                var utf32 = reader.ReadOctetString(new Asn1Tag(UniversalTagNumber.UniversalString));
                text = new UTF32Encoding(bigEndian: true, byteOrderMark: false).GetString(utf32);
                break;
            default:
                return null;
        }
        var result = new StringBuilder(text.Length);
        var pendingSpace = false;
        foreach (var c in text.Trim(' ', '\t', '\n', '\v', '\f', '\r'))
        {
            if (c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r')
            {
                pendingSpace = true;
                continue;
            }
            if (pendingSpace)
            {
                result.Append(' ');
                pendingSpace = false;
            }
            result.Append(c < 0x80 ? char.ToLowerInvariant(c) : c);
        }
        return result.ToString();
    }
}
