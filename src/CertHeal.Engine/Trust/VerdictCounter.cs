namespace CertHeal.Trust;

/// <summary>
/// Counts the path verdicts made for trust decisions within a scope (a chain build, or a lone
/// root's verdict that stands in for one), so tests can hold the merge to its budget (one verdict
/// per certificate per plan). Scoped by AsyncLocal so tests running in parallel do not count each
/// other's verdicts.
/// </summary>
internal static class VerdictCounter
{
    private static readonly AsyncLocal<Scope?> Current = new();

    internal sealed class Scope : IDisposable
    {
        private long _count;
        private readonly Scope? _outer;

        internal Scope(Scope? outer) => _outer = outer;

        public long Count => Interlocked.Read(ref _count);

        internal void Add() => Interlocked.Increment(ref _count);

        public void Dispose() => Current.Value = _outer;
    }

    public static Scope Begin() => Current.Value = new Scope(Current.Value);

    public static void Judged() => Current.Value?.Add();
}
