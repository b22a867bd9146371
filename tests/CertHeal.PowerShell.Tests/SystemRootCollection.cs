namespace CertHeal.PowerShell.Tests;

/// <summary>
/// Tests that point $env:CERTHEAL_SYSTEM_ROOT (process-wide) at a folder of their own so the hook
/// cmdlets never write the machine's /etc: they run one at a time.
/// </summary>
[CollectionDefinition(nameof(SystemRootCollection))]
public sealed class SystemRootCollection
{
}
