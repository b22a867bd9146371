using System.Security.Cryptography.X509Certificates;
using CertHeal.Chains;
using CertHeal.Keystores;

namespace CertHeal.Healing;

/// <summary>
/// Proactive renewal: a keystore entry that expires within the window, while the server already
/// presents its successor (same subject and issuer, later expiry), is worth replacing ahead of the
/// outage. Works from a snapshot of the keystore taken once per trust generation, not from the
/// disk on every successful response.
/// </summary>
internal sealed class RenewalPolicy(HealingOptions options)
{
    private readonly Dictionary<string, IReadOnlyList<X509Certificate2>> _presented = new(StringComparer.OrdinalIgnoreCase);
    private int _waiting;
    private readonly object _snapshotLock = new();
    private (int Generation, IReadOnlyList<X509Certificate2> Entries)? _snapshot;
    private int _reads;

    /// <summary>How many times the keystore was read for renewal (a test asserts it does not grow per response).</summary>
    public int KeystoreReads => Volatile.Read(ref _reads);

    /// <summary>The chain a host presented on its latest handshake (from the validation callback).</summary>
    public void Presented(string host, IReadOnlyList<X509Certificate2> presented)
    {
        if (options.RenewBeforeDays > 0)
        {
            lock (_presented)
            {
                _presented[host] = presented;
                Volatile.Write(ref _waiting, _presented.Count);
            }
        }
    }

    /// <summary>
    /// False when no handshake has left a chain to look at since the last look: a request on a
    /// kept-alive connection then skips the look-up and its host name. A handshake's chain is
    /// presented during that request's own send, so the request that made it always sees it.
    /// </summary>
    public bool AnyPresented => Volatile.Read(ref _waiting) > 0;

    /// <summary>The presented certificates that renew an expiring entry; taking them empties the host's slot.</summary>
    public IReadOnlyList<X509Certificate2> Successors(string host, int generation)
    {
        IReadOnlyList<X509Certificate2>? presented;
        lock (_presented)
        {
            if (options.RenewBeforeDays <= 0 || !_presented.Remove(host, out presented))
            {
                return [];
            }
            Volatile.Write(ref _waiting, _presented.Count);
        }
        var now = options.Clock.GetUtcNow().UtcDateTime;
        var expiring = Entries(generation).Where(c => (c.NotAfter.ToUniversalTime() - now).TotalDays <= options.RenewBeforeDays).ToList();
        return expiring.Count == 0 ? [] : presented.Where(p => expiring.Any(e => CertificateFacts.Renews(p, e))).ToList();
    }

    /// <summary>The keystore's trusted certificates as of <paramref name="generation"/>: read again only when a merge made a new one.</summary>
    private IReadOnlyList<X509Certificate2> Entries(int generation)
    {
        lock (_snapshotLock)
        {
            if (_snapshot is { } snapshot && snapshot.Generation == generation)
            {
                return snapshot.Entries;
            }
            Interlocked.Increment(ref _reads);
            var entries = HealingTrust.OpenKeystore(options)?.TrustedEntries.Select(e => e.Certificate!).ToList() ?? [];
            _snapshot = (generation, entries);
            return entries;
        }
    }
}
