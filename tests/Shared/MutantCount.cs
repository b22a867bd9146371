namespace CertHeal.TestSupport;

/// <summary>
/// The size of a mutation test, from CERTHEAL_MUTANTS: unset, the CI size; "full", the issue's
/// size; a number, that many in-process mutants (tests that run fewer scale it by the same factor
/// as their CI size relates to the CI size of the in-process test, 400).
/// </summary>
internal static class MutantCount
{
    private const int CiInProcess = 400;

    public static int Scaled(int ci, int full)
    {
        var value = Environment.GetEnvironmentVariable("CERTHEAL_MUTANTS");
        if (string.Equals(value, "full", StringComparison.OrdinalIgnoreCase))
        {
            return full;
        }
        return int.TryParse(value, out var n) && n > 0 ? Math.Max(1, (int)((long)n * ci / CiInProcess)) : ci;
    }
}
