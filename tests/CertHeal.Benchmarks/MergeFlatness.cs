namespace CertHeal.Benchmarks;

/// <summary>
/// Memory flatness of a merge (issue #25): the peak at the largest size minus the peak at the
/// smallest, per format, as one row each; entries kept as bytes and streamed keep it small.
/// </summary>
internal static class MergeFlatness
{
    public const double GoalMb = 60;

    public static IEnumerable<Row> Rows(IReadOnlyDictionary<(string Format, int Size), Measured> merges, string ledger)
    {
        foreach (var format in merges.Keys.Select(k => k.Format).Distinct())
        {
            var sizes = merges.Keys.Where(k => k.Format == format).Select(k => k.Size).Order().ToList();
            if (sizes.Count < 2)
            {
                continue;
            }
            var (small, large) = (merges[(format, sizes[0])], merges[(format, sizes[^1])]);
            var growth = large with { PeakMb = large.PeakMb - small.PeakMb };
            yield return new Row($"Memory flatness: merge into {format} ({ledger}), peak at {sizes[^1]:N0} minus peak at {sizes[0]:N0} " +
                $"(CertHeal peak MB column; {small.PeakMb:0} MB at {sizes[0]:N0}, {large.PeakMb:0} MB at {sizes[^1]:N0}; time: the larger merge)",
                sizes[^1], growth, null, "-", null, maxMb: GoalMb);
        }
    }
}
