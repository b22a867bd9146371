using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Chains;

/// <summary>
/// Whether a server certificate covers the name a client connected to, as each client family
/// decides it:
/// <list type="bullet">
/// <item>OpenSSL/curl: X509_check_host with default flags: the dNSName SANs when there is at least
/// one, else the subject CNs; a wildcard only as the whole left-most label, matching one label;
/// an IP address only against iPAddress SANs (X509_check_ip).</item>
/// <item>Java (HostnameChecker, endpoint identification "HTTPS", RFC 2818): the same SAN-before-CN
/// rule; an IP address only against iPAddress SANs.</item>
/// <item>.NET on Linux (SslStream): dNSName SANs, the CN only without a SAN extension; an IP address
/// against iPAddress SANs and also against a dNSName spelling the same address (seen with
/// SslStream on .NET 8-10 here).</item>
/// <item>Browsers (Chromium since 58, Firefox since 48): SANs only, never the CN.</item>
/// </list>
/// </summary>
internal static class HostNameRules
{
    private const string SanOid = "2.5.29.17";

    // A probe asks for every client family twice (the classifier and the client verdicts): the
    // names are decoded once per certificate.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<X509Certificate2, NameSet> Names = new();

    private sealed record NameSet(IReadOnlyList<string> Dns, IReadOnlyList<IPAddress> Ips, bool HasSan, IReadOnlyList<string> Cns);

    /// <summary>Null when the family accepts the name, else why not.</summary>
    public static string? Rejects(ClientFamily family, X509Certificate2 leaf, string host)
    {
        if (string.IsNullOrEmpty(host))
        {
            return null;
        }
        var (dns, ips, hasSan, cns) = Names.GetValue(leaf, static c =>
        {
            var (sanDns, sanIps, san) = SubjectAltNames(c);
            return new NameSet(sanDns, sanIps, san, CommonNames(c));
        });
        var trimmed = host.Trim('[', ']').TrimEnd('.');
        if (IPAddress.TryParse(trimmed, out var address))
        {
            if (ips.Any(ip => ip.Equals(address)))
            {
                return null;
            }
            if (family == ClientFamily.DotNet && (dns.Any(d => string.Equals(d, trimmed, StringComparison.OrdinalIgnoreCase))
                || !hasSan && cns.Any(c => string.Equals(c, trimmed, StringComparison.OrdinalIgnoreCase))))
            {
                return null;
            }
            var presented = dns.Concat(ips.Select(ip => ip.ToString())).ToList();
            return $"the certificate is for {(presented.Count > 0 ? string.Join(", ", presented) : leaf.Subject)}, not for the address {trimmed}"
                + (family == ClientFamily.DotNet ? "" : " (only an iPAddress subjectAltName counts for an address)");
        }
        if (dns.Any(pattern => Matches(pattern, trimmed)))
        {
            return null;
        }
        var cnCounts = family switch
        {
            ClientFamily.Browser => false,
            ClientFamily.DotNet => !hasSan,
            _ => dns.Count == 0,
        };
        if (cnCounts && cns.Any(cn => Matches(cn, trimmed)))
        {
            return null;
        }
        var names = dns.Count > 0 ? string.Join(", ", dns) : cns.Count > 0 ? "CN " + string.Join(", ", cns) : leaf.Subject;
        if (!cnCounts && dns.Count == 0 && cns.Any(cn => Matches(cn, trimmed)))
        {
            return $"'{trimmed}' appears only in the certificate's CN, which this client ignores (it needs a subjectAltName)";
        }
        return $"the certificate is for {names}, not for '{trimmed}'";
    }

    /// <summary>A name the certificate presents matches the host: exact, or a left-most "*" label standing for exactly one label.</summary>
    private static bool Matches(string pattern, string host)
    {
        pattern = pattern.TrimEnd('.');
        if (string.Equals(pattern, host, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        if (!pattern.StartsWith("*.", StringComparison.Ordinal))
        {
            return false;
        }
        var suffix = pattern[1..];
        // "*.com" is no wildcard any family honours: at least two labels follow the "*".
        if (suffix.Count(c => c == '.') < 2)
        {
            return false;
        }
        var dot = host.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && string.Equals(host[dot..], suffix, StringComparison.OrdinalIgnoreCase);
    }

    internal static (List<string> Dns, List<IPAddress> Ips, bool HasSan) SubjectAltNames(X509Certificate2 certificate)
    {
        var dns = new List<string>();
        var ips = new List<IPAddress>();
        var extension = certificate.Extensions[SanOid];
        if (extension is null)
        {
            return (dns, ips, false);
        }
        try
        {
            var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
            while (reader.HasData)
            {
                var tag = reader.PeekTag();
                if (tag.TagClass == TagClass.ContextSpecific && tag.TagValue == 2)
                {
                    dns.Add(reader.ReadCharacterString(UniversalTagNumber.IA5String, tag));
                }
                else if (tag.TagClass == TagClass.ContextSpecific && tag.TagValue == 7)
                {
                    var bytes = reader.ReadOctetString(tag);
                    if (bytes.Length is 4 or 16)
                    {
                        ips.Add(new IPAddress(bytes));
                    }
                }
                else
                {
                    reader.ReadEncodedValue();
                }
            }
        }
        catch (AsnContentException)
        {
            // A SAN clients cannot parse names nothing; the certificate then matches no host.
        }
        return (dns, ips, true);
    }

    private static List<string> CommonNames(X509Certificate2 certificate) =>
        certificate.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(rdn => !rdn.HasMultipleElements && rdn.GetSingleElementType().Value == "2.5.4.3")
            .Select(rdn => rdn.GetSingleElementValue() ?? "")
            .Where(value => value.Length > 0)
            .ToList();
}
