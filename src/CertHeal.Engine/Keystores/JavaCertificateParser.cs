using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace CertHeal.Keystores;

/// <summary>
/// The structural refusals of Java's certificate parser (sun.security.x509.X509CertInfo and
/// DerInputStream), which .NET and OpenSSL do not share. Java parses every certificate of a JKS
/// or PKCS#12 keystore while it loads it, so one such certificate makes the whole store
/// unreadable ("keytool error: ... Extensions not allowed in v2 certificate"). Each rule here was
/// found by loading the certificate with the JDK's CertificateFactory and keytool (JDK 17);
/// OddCertificateCorpusTests repeats that proof for every rule.
/// The checks read the certificate's own bytes, not .NET's view of them: .NET reports no
/// extensions for a version 2 certificate whose extensions field is an empty SEQUENCE, and
/// ignores unique identifiers in a version 1 certificate, while Java refuses both.
/// </summary>
internal static partial class JavaCertificateParser
{
    /// <summary>Why Java's parser refuses <paramref name="certificate"/>, or null when it reads it.</summary>
    public static string? Refuses(X509Certificate2 certificate)
    {
        try
        {
            var reader = new AsnReader(NonCanonicalCertificate.Der(certificate), AsnEncodingRules.BER);
            var tbs = reader.ReadSequence().ReadSequence();
            var version = 0;
            if (tbs.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
            {
                var explicitVersion = tbs.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true));
                version = explicitVersion.TryReadInt32(out var value) ? value : -1;
            }
            tbs.ReadEncodedValue(); // serialNumber
            tbs.ReadEncodedValue(); // signature
            tbs.ReadEncodedValue(); // issuer
            var validity = tbs.ReadSequence();
            var notBefore = validity.ReadEncodedValue();
            var notAfter = validity.ReadEncodedValue();
            tbs.ReadEncodedValue(); // subject
            tbs.ReadEncodedValue(); // subjectPublicKeyInfo
            var rest = new List<Asn1Tag>();
            while (tbs.HasData)
            {
                rest.Add(tbs.PeekTag());
                tbs.ReadEncodedValue();
            }
            // X509CertInfo: "no more data allowed for version 1 certificate" for unique
            // identifiers or extensions, "Extensions not allowed in v2 certificate" for a
            // version 2 one with an extensions field, however empty.
            if (version == 0 && rest.Count > 0)
            {
                return $"a version 1 certificate with {(rest.Any(t => t.TagValue == 3) ? "extensions" : "unique identifiers")}, which Java's parser refuses (\"no more data allowed for version 1 certificate\")";
            }
            if (version == 1 && rest.Any(t => t.HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 3))))
            {
                return "a version 2 certificate with extensions, which Java's parser refuses (\"Extensions not allowed in v2 certificate\")";
            }
            return TimeProblem("notBefore", notBefore.Span) ?? TimeProblem("notAfter", notAfter.Span);
        }
        catch (Exception e) when (e is AsnContentException or InvalidOperationException)
        {
            return $"a certificate whose structure Java's parser cannot read ({e.Message.TrimEnd('.')})";
        }
    }

    /// <summary>
    /// Java reads some non-DER times and refuses others. Allowed are only the forms its parser was
    /// seen to read: UTCTime with minutes and 'Z' ("2501010000Z"), with seconds and an offset
    /// ("250101000000+0100"); GeneralizedTime with minutes, optional seconds and fraction ('.' or
    /// ',') and a 'Z' or offset. It refuses a GeneralizedTime without a zone ("invalid offset"),
    /// with hours only ("length error"), a fraction without a zone, and UTCTime with an offset
    /// but no seconds ("Parse UTC time, invalid format").
    /// </summary>
    private static string? TimeProblem(string field, ReadOnlySpan<byte> encoded)
    {
        var reader = new AsnReader(encoded.ToArray(), AsnEncodingRules.BER);
        var tag = reader.PeekTag();
        var text = tag.IsConstructed ? null : System.Text.Encoding.ASCII.GetString(reader.PeekContentBytes().Span);
        var readable = text is not null && (tag.HasSameClassAndValue(Asn1Tag.UtcTime) ? JavaUtcTime().IsMatch(text)
            : tag.HasSameClassAndValue(Asn1Tag.GeneralizedTime) && JavaGeneralizedTime().IsMatch(text));
        return readable ? null : $"a certificate whose {field} time ({text ?? "a constructed string"}) Java's parser refuses";
    }

    [GeneratedRegex(@"^(\d{10}Z|\d{12}Z|\d{12}[+-]\d{4})$")]
    private static partial Regex JavaUtcTime();

    [GeneratedRegex(@"^\d{12}(\d{2}([.,]\d+)?)?(Z|[+-]\d{4})$")]
    private static partial Regex JavaGeneralizedTime();
}
