using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Healing;

/// <summary>
/// Chains the handler already judged trusted, for the current trust generation: a server sends
/// the same chain on every new connection, and judging it against system + keystore anchors
/// cost more than the handshake itself. An entry holds only while the clock is inside every
/// path certificate's validity, and the whole cache is dropped when trust changes (a heal) or it
/// reaches its size bound. Untrusted chains are never cached: they go on to heal.
/// </summary>
internal sealed class TrustedChainCache
{
    private const int MaxEntries = 4096;

    private readonly ConcurrentDictionary<(int Generation, string Chain), (DateTime From, DateTime Until)> _trusted = new();

    public bool IsTrusted(int generation, string chain, DateTime nowUtc) =>
        _trusted.TryGetValue((generation, chain), out var window) && nowUtc >= window.From && nowUtc <= window.Until;

    public void AddTrusted(int generation, string chain, IReadOnlyList<X509Certificate2> path)
    {
        if (_trusted.Count >= MaxEntries)
        {
            _trusted.Clear();
        }
        var from = path.Max(c => c.NotBefore.ToUniversalTime());
        var until = path.Min(c => c.NotAfter.ToUniversalTime());
        _trusted[(generation, chain)] = (from, until);
    }

    /// <summary>Entries of older generations can never match again (the key holds the generation); the handler drops them when trust changes.</summary>
    public void Clear() => _trusted.Clear();

    /// <summary>The cache's key for a presented chain: a hash over its certificates' bytes, in order.</summary>
    public static string Key(IReadOnlyList<X509Certificate2> presented)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        foreach (var certificate in presented)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, certificate.RawDataMemory.Length);
            hash.AppendData(length);
            hash.AppendData(certificate.RawDataMemory.Span);
        }
        return Convert.ToHexString(hash.GetHashAndReset());
    }
}
