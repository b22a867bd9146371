using System.Runtime.CompilerServices;

namespace CertHeal.TestSupport;

/// <summary>
/// Every merge the cmdlets and CLI make records into the trust ledger; point it (for this test
/// process, its runspaces and every certheal child it starts) at a temporary file so no test
/// touches ~/.certheal. Compiled into each xunit project that merges (linked, one source).
/// </summary>
internal static class TestLedger
{
#pragma warning disable CA2255 // a test assembly: isolating the environment before any test runs is the point
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Isolate()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CERTHEAL_LEDGER")))
        {
            Environment.SetEnvironmentVariable("CERTHEAL_LEDGER", Path.Combine(Path.GetTempPath(), $"certheal-test-ledger-{Environment.ProcessId}", "ledger.json"));
        }
    }
}
