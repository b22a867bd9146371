using System.Collections.Concurrent;

namespace CertHeal.Revocation;

/// <summary>
/// Process-wide memory of revocation answers, as clients keep them: an OCSP answer per
/// certificate (issuer key hash + serial) and a CRL per issuer and URL, each until its
/// nextUpdate (RFC 6960 2.4, RFC 5280 5.1.2.5) and never past it. Bounded: past the cap, expired
/// entries go first, then the oldest half. Only answers signed by the issuer are stored.
/// </summary>
internal sealed class RevocationCache<T>(int capacity) where T : class
{
    private readonly ConcurrentDictionary<string, (T Value, DateTime Until, long Stamp)> _entries = new(StringComparer.Ordinal);
    private long _stamp;

    public int Count => _entries.Count;

    public T? Get(string key, DateTime nowUtc)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            if (entry.Until > nowUtc)
            {
                return entry.Value;
            }
            _entries.TryRemove(key, out _);
        }
        return null;
    }

    public void Put(string key, T value, DateTime untilUtc, DateTime nowUtc)
    {
        if (untilUtc <= nowUtc)
        {
            return;
        }
        if (_entries.Count >= capacity)
        {
            foreach (var stale in _entries.Where(e => e.Value.Until <= nowUtc).Select(e => e.Key).ToList())
            {
                _entries.TryRemove(stale, out _);
            }
            if (_entries.Count >= capacity)
            {
                foreach (var old in _entries.OrderBy(e => e.Value.Stamp).Take(Math.Max(1, capacity / 2)).Select(e => e.Key).ToList())
                {
                    _entries.TryRemove(old, out _);
                }
            }
        }
        _entries[key] = (value, untilUtc, Interlocked.Increment(ref _stamp));
    }

    public void Clear() => _entries.Clear();
}
