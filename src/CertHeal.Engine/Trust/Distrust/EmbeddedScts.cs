using System.Buffers.Binary;
using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Trust.Distrust;

/// <summary>
/// The timestamps of the SCTs embedded in a certificate (RFC 6962 3.3: extension
/// 1.3.6.1.4.1.11129.2.4.2, an OCTET STRING holding a TLS-encoded SignedCertificateTimestampList).
/// Chrome's distrust-after constraints (sct_not_after_sec) are judged on these. SCTs delivered in
/// the TLS extension or a stapled OCSP response are not seen here, and signatures are not checked.
/// </summary>
internal static class EmbeddedScts
{
    private const string SctListOid = "1.3.6.1.4.1.11129.2.4.2";

    /// <summary>The earliest embedded SCT's time, or null when the certificate has no (readable) SCT list.</summary>
    public static DateTime? Earliest(X509Certificate2 certificate)
    {
        if (certificate.Extensions[SctListOid] is not { } extension)
        {
            return null;
        }
        try
        {
            var list = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadOctetString();
            if (list.Length < 2)
            {
                return null;
            }
            var total = BinaryPrimitives.ReadUInt16BigEndian(list);
            var span = list.AsSpan(2, Math.Min(total, list.Length - 2));
            DateTime? earliest = null;
            while (span.Length >= 2)
            {
                var length = BinaryPrimitives.ReadUInt16BigEndian(span);
                if (span.Length < 2 + length)
                {
                    break;
                }
                var sct = span.Slice(2, length);
                // version (1) | log id (32) | timestamp (8, ms since the epoch) | ...
                if (sct.Length >= 41 && sct[0] == 0)
                {
                    var ms = BinaryPrimitives.ReadUInt64BigEndian(sct.Slice(33, 8));
                    if (ms < (ulong)DateTime.MaxValue.Subtract(DateTime.UnixEpoch).TotalMilliseconds)
                    {
                        var time = DateTime.UnixEpoch.AddMilliseconds(ms);
                        earliest = earliest is null || time < earliest ? time : earliest;
                    }
                }
                span = span[(2 + length)..];
            }
            return earliest;
        }
        catch (AsnContentException)
        {
            return null;
        }
    }
}
