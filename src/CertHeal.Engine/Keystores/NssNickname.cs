using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace CertHeal.Keystores;

/// <summary>
/// Nicknames for the certificates CertHeal adds to an NSS database: the subject's CN and a short
/// SHA-256 fingerprint (`CertHeal Lab Root CA [1a2b3c4d]`), so two roots with one CN stay apart
/// and the same certificate always gets the same name (a journal replayed after a crash adds it
/// under the name the interrupted merge reported). A colon would read as a token name (`token:nick`).
/// </summary>
internal static class NssNickname
{
    public static string For(X509Certificate2 certificate, IReadOnlyCollection<string>? taken = null)
    {
        var name = new StringBuilder();
        foreach (var c in CertificateFacts.CommonNameOrSubject(certificate))
        {
            name.Append(char.IsControl(c) || c == ':' ? '-' : c);
        }
        var stem = name.ToString().Trim();
        if (stem.Length > 60)
        {
            stem = stem[..60].TrimEnd();
        }
        var fingerprint = CertificateFacts.Sha256Fingerprint(certificate).ToLowerInvariant();
        var nickname = $"{stem} [{fingerprint[..8]}]";
        if (taken is not null && taken.Contains(nickname, StringComparer.OrdinalIgnoreCase))
        {
            nickname = $"{stem} [{fingerprint[..16]}]";
        }
        return nickname;
    }
}
