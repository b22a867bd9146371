using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Lab;

/// <summary>One running lab scenario: where to connect and what the server sends.</summary>
public sealed class LabEndpoint : IAsyncDisposable
{
    public required LabScenario Scenario { get; init; }
    public required string Host { get; init; }
    public required int Port { get; init; }

    /// <summary>The certificates the server sends, leaf first, in order; empty for non-TLS scenarios.</summary>
    public IReadOnlyList<X509Certificate2> Presented { get; init; } = [];

    internal IAsyncDisposable? Server { get; init; }

    public string Target => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    /// <summary>Connections the server accepted (in-process servers only).</summary>
    public int Connections => (Server as LabListener)?.Connections ?? 0;

    public ValueTask DisposeAsync() => Server?.DisposeAsync() ?? ValueTask.CompletedTask;
}
