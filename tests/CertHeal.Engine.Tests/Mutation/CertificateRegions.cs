using System.Formats.Asn1;

namespace CertHeal.Tests.Mutation;

/// <summary>
/// Where a DER certificate keeps its validity dates, public key and extensions, so a mutant
/// damages what the decoders read rather than mostly names and signatures.
/// </summary>
internal static class CertificateRegions
{
    /// <summary>Offsets (relative to the certificate's first byte) and lengths of the dates, key and extensions.</summary>
    public static List<(int Offset, int Length)> Find(ReadOnlySpan<byte> certificate)
    {
        var regions = new List<(int, int)>();
        try
        {
            AsnDecoder.ReadEncodedValue(certificate, AsnEncodingRules.BER, out var outerContent, out _, out _);
            var tbsStart = outerContent;
            AsnDecoder.ReadEncodedValue(certificate[tbsStart..], AsnEncodingRules.BER, out var tbsContent, out var tbsLength, out _);
            var position = tbsStart + tbsContent;
            var end = position + tbsLength;
            var index = 0;
            var hasVersion = certificate[position] == 0xA0;
            while (position < end)
            {
                var tag = certificate[position];
                AsnDecoder.ReadEncodedValue(certificate[position..end], AsnEncodingRules.BER, out _, out _, out var consumed);
                var field = hasVersion ? index - 1 : index;
                // Fields after the optional version: serial 0, algorithm 1, issuer 2, validity 3, subject 4, key 5; [3] extensions.
                if (field is 3 or 5 || tag == 0xA3)
                {
                    regions.Add((position, consumed));
                }
                position += consumed;
                index++;
            }
        }
        catch (AsnContentException)
        {
        }
        return regions.Count > 0 ? regions : [(0, certificate.Length)];
    }
}
