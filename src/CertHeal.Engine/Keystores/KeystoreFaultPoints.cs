namespace CertHeal.Keystores;

/// <summary>
/// Test-only crash points in the one write path, so the reliability suite can SIGKILL a writer
/// at each step and prove that the keystore is never torn. Armed only by an environment
/// variable whose name nobody sets by accident (read once per process), or by the internal
/// <see cref="Hook"/> for in-process tests; unarmed, each point is one null check.
/// </summary>
internal static class KeystoreFaultPoints
{
    /// <summary>
    /// Set it to a point's name (e.g. "BeforeRename") and the process kills itself there; or to
    /// "point@text" to kill only a write whose path contains the text (e.g. "@ledger": the trust
    /// ledger's write, not the keystore's, which reaches the same points first).
    /// </summary>
    internal const string EnvironmentVariable = "CERTHEAL_TEST_ONLY_FAULT_POINT_7B3E91C4D2A8";

    internal const string AfterTempWrite = nameof(AfterTempWrite);
    internal const string AfterFlush = nameof(AfterFlush);
    internal const string BeforeBackup = nameof(BeforeBackup);
    internal const string BeforeRename = nameof(BeforeRename);
    internal const string AfterRename = nameof(AfterRename);

    internal static readonly string[] All = [AfterTempWrite, AfterFlush, BeforeBackup, BeforeRename, AfterRename];

    /// <summary>After each single add or remove of a Windows certificate store's change, where a crash leaves it half applied.</summary>
    internal const string BetweenStoreOperations = nameof(BetweenStoreOperations);

    /// <summary>The store change is complete but its journal is still in place, so the next open replays it.</summary>
    internal const string BeforeJournalDelete = nameof(BeforeJournalDelete);

    /// <summary>Points only a multi-step store (the Windows certificate store) reaches; kept apart from <see cref="All"/>, which every file write reaches.</summary>
    internal static readonly string[] StoreOperations = [BetweenStoreOperations, BeforeJournalDelete];

    private static readonly string? Armed = Environment.GetEnvironmentVariable(EnvironmentVariable);

    /// <summary>In-process tests: called with the point's name and the keystore path (e.g. to delete the folder mid-write).</summary>
    internal static Action<string, string>? Hook { get; set; }

    internal static void Reach(string point, string path)
    {
        Hook?.Invoke(point, path);
        if (Armed is not null && (string.Equals(Armed, point, StringComparison.Ordinal) || Targets(point, path)))
        {
            // SIGKILL on Unix (TerminateProcess on Windows): no finally blocks, no flushes, as in a crash.
            System.Diagnostics.Process.GetCurrentProcess().Kill();
            Thread.Sleep(Timeout.Infinite);
        }
    }

    private static bool Targets(string point, string path) =>
        Armed!.Length > point.Length + 1 && Armed.StartsWith(point + "@", StringComparison.Ordinal)
        && path.Contains(Armed[(point.Length + 1)..], StringComparison.Ordinal);
}
