using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace CertHeal.Keystores;

/// <summary>
/// New aliases come from the subject's CN, lower-case (JKS aliases are case-insensitive) and
/// safe for every format and file name, made unique with -2, -3, ...; existing aliases are kept.
/// </summary>
public static class KeystoreAliases
{
    public static string Derive(X509Certificate2 certificate, ISet<string> existing) =>
        Derive(CertificateFacts.CommonNameOrSubject(certificate), () => CertificateFacts.Sha256Fingerprint(certificate), existing);

    /// <param name="commonNameOrSubject">What CertificateFacts.CommonNameOrSubject gives for the certificate.</param>
    /// <param name="sha256Fingerprint">Its fingerprint, for a name with nothing usable in it.</param>
    internal static string Derive(string commonNameOrSubject, Func<string> sha256Fingerprint, ISet<string> existing)
    {
        var name = commonNameOrSubject.ToLowerInvariant();
        var alias = new StringBuilder();
        foreach (var c in name)
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')
            {
                alias.Append(c);
            }
            else if (alias.Length > 0 && alias[^1] != '-')
            {
                alias.Append('-');
            }
        }
        var stem = alias.ToString().Trim('-', '.');
        if (stem.Length == 0)
        {
            stem = "cert-" + sha256Fingerprint()[..8].ToLowerInvariant();
        }
        if (stem.Length > 60)
        {
            stem = stem[..60];
        }
        // The merge hands in a case-insensitive set it keeps up to date; copying it per alias made
        // adding thousands of entries quadratic.
        var taken = existing is HashSet<string> set && set.Comparer.Equals(StringComparer.OrdinalIgnoreCase)
            ? set
            : existing.Select(a => a.ToLowerInvariant()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var candidate = stem;
        for (var n = 2; taken.Contains(candidate); n++)
        {
            candidate = $"{stem}-{n}";
        }
        existing.Add(candidate);
        return candidate;
    }
}
