namespace CertHeal.Revocation;

/// <summary>The network requests one chain may still make (shared by its certificates).</summary>
internal sealed class FetchBudget(int limit)
{
    private int _left = limit;

    public bool TryTake() => Interlocked.Decrement(ref _left) >= 0;
}
