using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Keystores;

/// <summary>One certificate in an NSS database as certutil lists it.</summary>
internal sealed record NssListedCertificate(string Nickname, string Trust, X509Certificate2 Certificate);

/// <summary>
/// An NSS database through certutil: `-L` lists nicknames and trust, `-L -n NICK -a` gives each
/// nickname's certificates, `-A` adds one (DER on stdin, so no temporary file), `-D` deletes one.
/// Each is a single SQLite transaction inside NSS, so like X509Store every operation is atomic and
/// only the sequence is not; <see cref="StoreJournal"/> makes the sequence crash-safe.
/// </summary>
internal sealed class NssCertificateStoreBackend(string database, string stateFolder) : ICertificateStoreBackend
{
    private List<NssListedCertificate>? _listed;

    public IReadOnlyList<NssListedCertificate> Entries()
    {
        if (_listed is not null)
        {
            return _listed;
        }
        var listing = Certutil(["-L"], "list");
        var listed = new List<NssListedCertificate>();
        foreach (var (nickname, trust) in ParseListing(listing.Output).DistinctBy(n => n.Nickname, StringComparer.Ordinal))
        {
            var pem = Certutil(["-L", "-n", nickname, "-a"], $"read '{nickname}' from").Output;
            IReadOnlyList<X509Certificate2> certificates;
            try
            {
                certificates = NonCanonicalCertificate.LoadPem(pem);
            }
            catch (CryptographicException)
            {
                // A certificate .NET cannot parse is left alone: the journal never sees it, so it is never removed.
                continue;
            }
            listed.AddRange(certificates.Select(c => new NssListedCertificate(nickname, trust, c)));
        }
        return _listed = listed;
    }

    public IReadOnlyList<X509Certificate2> List() => Entries().Select(e => e.Certificate).ToList();

    public void Add(X509Certificate2 certificate)
    {
        var nickname = NssNickname.For(certificate, Entries().Select(e => e.Nickname).ToList());
        Certutil(["-A", "-n", nickname, "-t", NssTrust.ForNew(certificate)], $"add '{nickname}' to", NonCanonicalCertificate.Der(certificate));
        _listed!.Add(new NssListedCertificate(nickname, NssTrust.ForNew(certificate), certificate));
    }

    public void Remove(X509Certificate2 certificate)
    {
        var entry = Entries().First(e => string.Equals(e.Certificate.Thumbprint, certificate.Thumbprint, StringComparison.OrdinalIgnoreCase));
        Certutil(["-D", "-n", entry.Nickname], $"remove '{entry.Nickname}' from");
        _listed!.Remove(entry);
    }

    /// <summary>Nicknames shared by several certificates: certutil -D deletes one of them by name, so CertHeal cannot choose which.</summary>
    public IEnumerable<string> SharedNicknames(IEnumerable<X509Certificate2> certificates)
    {
        var thumbprints = certificates.Select(c => c.Thumbprint).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return Entries().GroupBy(e => e.Nickname, StringComparer.Ordinal)
            .Where(g => g.Count() > 1 && g.Any(e => thumbprints.Contains(e.Certificate.Thumbprint)))
            .Select(g => g.Key);
    }

    /// <summary>
    /// A database with a password: reading certificates needs no login, but trust can only be
    /// set after one, and certutil -A without it stores the certificate and then fails on the
    /// trust, leaving half a change. So the login is tried first with the empty password.
    /// </summary>
    public bool RequiresPassword()
    {
        var result = NssCertutil.Run(database, ["-K"]);
        return result.Error.Contains("SEC_ERROR_BAD_PASSWORD", StringComparison.Ordinal);
    }

    /// <summary>Temporary files a killed writer left in the backup folder; NSS cleans its own SQLite journals.</summary>
    public void RemoveLeftovers() => StoreWrite.RemoveStaleTemporaryFilesIn(stateFolder);

    public void Dispose()
    {
    }

    internal static IEnumerable<(string Nickname, string Trust)> ParseListing(string output)
    {
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.TrimEnd('\r').TrimEnd();
            var split = line.LastIndexOfAny([' ', '\t']);
            if (split <= 0)
            {
                continue;
            }
            var trust = line[(split + 1)..];
            var nickname = line[..split].Trim();
            if (nickname.Length > 0 && NssTrust.IsTrust(trust))
            {
                yield return (nickname, trust);
            }
        }
    }

    private NssCertutilResult Certutil(IReadOnlyList<string> args, string what, byte[]? input = null)
    {
        var result = NssCertutil.Run(database, args, input);
        if (result.ExitCode != 0)
        {
            throw new IOException($"certutil could not {what} the NSS database ({result.Reason})");
        }
        return result;
    }
}
