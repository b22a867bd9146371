using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal;

/// <summary>
/// Answers that are a function of a certificate's bytes alone, kept by those bytes: a probe meets
/// the same leaf and intermediates as new instances on every handshake (the platform's copies and
/// chain elements), and decoding their keys, usages and self-signatures again was a tenth of its
/// own work. Kept with the instance too (no hashing when the same object asks again, as each
/// client family's rules do), and by the bytes a bounded few: when full it starts over. Values are
/// shared, so they must be immutable.
/// </summary>
internal sealed class CertificateMemo<T>(int capacity)
{
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<X509Certificate2, Box> _byInstance = new();
    private readonly Dictionary<byte[], T> _byBytes = new(ByteArrayComparer.Instance);

    /// <summary>The remembered answer for this certificate, or <paramref name="compute"/>'s (remembered unless it throws).</summary>
    public T Get(X509Certificate2 certificate, Func<X509Certificate2, T> compute)
    {
        if (_byInstance.TryGetValue(certificate, out var kept))
        {
            return kept.Value;
        }
        var bytes = Bytes(certificate);
        T? value;
        bool known;
        lock (_byBytes)
        {
            known = _byBytes.TryGetValue(bytes, out value);
        }
        if (!known)
        {
            value = compute(certificate);
            lock (_byBytes)
            {
                if (_byBytes.Count >= capacity)
                {
                    _byBytes.Clear();
                }
                _byBytes[bytes] = value;
            }
        }
        _byInstance.AddOrUpdate(certificate, new Box(value!));
        return value!;
    }

    private sealed record Box(T Value);

    /// <summary>The certificate's own buffer when it can be had without a copy (it is never written).</summary>
    private static byte[] Bytes(X509Certificate2 certificate) =>
        MemoryMarshal.TryGetArray(certificate.RawDataMemory, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : certificate.RawData;
}
