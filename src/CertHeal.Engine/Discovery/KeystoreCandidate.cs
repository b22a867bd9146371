namespace CertHeal.Discovery;

/// <summary>One provider's claim: "this path is a trust store that <see cref="Consumer"/> reads, found by <see cref="FoundBy"/>".</summary>
internal sealed record KeystoreCandidate(string Path, KeystoreKind Kind, string Consumer, string FoundBy)
{
    /// <summary>For a process's store: how to steer that process's runtime to the healed store.</summary>
    public IReadOnlyList<RuntimeSteering> Steering { get; init; } = [];
}

/// <summary>One source of trust-store locations (a runtime, the OS, a tool's configuration, a process, a folder scan).</summary>
internal interface IKeystoreSource
{
    IEnumerable<KeystoreCandidate> Find(DiscoveryContext context);
}

/// <summary>What a provider needs besides the environment: where to tell about places it skipped, and when to stop.</summary>
internal sealed class DiscoveryContext(DiscoveryEnvironment environment, Action<string> verbose, CancellationToken cancellationToken)
{
    public DiscoveryEnvironment Environment { get; } = environment;
    public CancellationToken CancellationToken { get; } = cancellationToken;

    public void Skip(string message) => verbose(message);
}
