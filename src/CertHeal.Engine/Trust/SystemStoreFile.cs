namespace CertHeal.Trust;

/// <summary>
/// The certificates of one file of the machine's store, as bytes, read the way .NET reads that store:
/// every PEM CERTIFICATE block, or the whole file as one DER certificate when it has none. TRUSTED
/// CERTIFICATE blocks (OpenSSL's with trust settings) are skipped, as .NET skips them.
/// </summary>
internal static class SystemStoreFile
{
    private const string Label = "CERTIFICATE";

    public static IEnumerable<byte[]> Certificates(byte[] bytes)
    {
        if (bytes.Length > 0 && bytes[0] == 0x30)
        {
            return [bytes];
        }
        var found = new List<byte[]>();
        // PEM is ASCII; Latin-1 maps each byte to one char, so offsets stay byte offsets and no byte is rejected.
        var text = global::System.Text.Encoding.Latin1.GetString(bytes).AsSpan();
        while (System.Security.Cryptography.PemEncoding.TryFind(text, out var fields))
        {
            if (text[fields.Label].SequenceEqual(Label))
            {
                var der = new byte[fields.DecodedDataLength];
                if (Convert.TryFromBase64Chars(text[fields.Base64Data], der, out var written))
                {
                    found.Add(written == der.Length ? der : der[..written]);
                }
            }
            text = text[fields.Location.End..];
        }
        return found;
    }
}
