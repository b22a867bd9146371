using System.Runtime.CompilerServices;

namespace CertHeal.PowerShell.Tests;

/// <summary>
/// The cmdlets record every merge in the trust ledger; the runspaces run in this process, so
/// point CERTHEAL_LEDGER at a temporary file before any test: no test touches ~/.certheal.
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
            Environment.SetEnvironmentVariable("CERTHEAL_LEDGER", Path.Combine(Path.GetTempPath(), $"certheal-ps-ledger-{Environment.ProcessId}", "ledger.json"));
        }
    }
}
