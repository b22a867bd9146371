using System.Collections.Concurrent;

namespace CertHeal.Healing;

/// <summary>
/// One heal per host at a time, and a generation that every written merge advances: a request that
/// failed under an older generation than the current one retries over the newer trust instead of
/// healing again. Requests and heals are keyed by the same name (the host), so what a heal of a
/// host changes is what later requests to that host see.
/// </summary>
internal sealed class HealCoordinator
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.OrdinalIgnoreCase);
    private int _generation;
    private int _heals;

    public int Generation => Volatile.Read(ref _generation);

    /// <summary>How many heals ran their work (a concurrency test asserts one per failing host).</summary>
    public int Heals => Volatile.Read(ref _heals);

    /// <summary>A new trust is in place: verdicts and snapshots of older generations are stale.</summary>
    public void Advance() => Interlocked.Increment(ref _generation);

    /// <summary>
    /// Runs <paramref name="heal"/> for <paramref name="host"/> unless a heal since
    /// <paramref name="seenGeneration"/> already changed the trust; false when it did not run.
    /// </summary>
    public async Task<bool> HealAsync(string host, int seenGeneration, Func<CancellationToken, Task> heal, CancellationToken cancellationToken)
    {
        var gate = _gates.GetOrAdd(host, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Generation != seenGeneration)
            {
                return false;
            }
            Interlocked.Increment(ref _heals);
            await heal(cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Serializes other keystore work for a host (renewal) with its heals.</summary>
    public async Task RunExclusiveAsync(string host, Func<CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        var gate = _gates.GetOrAdd(host, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await work(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }
}
