using System.Globalization;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Trust.Distrust;

/// <summary>
/// The blocked keys and distrusted roots every verdict, merge and keystore check consults. The
/// built-in list is read once from the data files beside this class (blocked-spki.txt,
/// distrusted-roots.txt; each line names its source). Tests replace it with <see cref="Override"/>.
/// </summary>
internal sealed class DistrustList
{
    private static readonly Lazy<DistrustList> BuiltInList = new(LoadBuiltIn);

    // AsyncLocal, not a plain static: xunit runs test classes in parallel, and an override must
    // reach only the code its test awaits (the probe's tasks included), never a neighbour's verdict.
    private static readonly AsyncLocal<DistrustList?> Scoped = new();

    private readonly Dictionary<string, BlockedKey> _blocked;
    private readonly ILookup<string, DistrustedRoot> _roots;

    public DistrustList(IEnumerable<BlockedKey> blocked, IEnumerable<DistrustedRoot> roots)
    {
        _blocked = blocked.ToDictionary(b => b.SpkiSha256.ToUpperInvariant(), StringComparer.Ordinal);
        Roots = roots.ToList();
        _roots = Roots.ToLookup(r => r.CertificateSha256.ToUpperInvariant(), StringComparer.Ordinal);
    }

    public IReadOnlyCollection<BlockedKey> BlockedKeys => _blocked.Values;

    public IReadOnlyList<DistrustedRoot> Roots { get; }

    /// <summary>The list in force: a test's override in this async flow, else the built-in one.</summary>
    public static DistrustList Current => Scoped.Value ?? BuiltInList.Value;

    public static DistrustList BuiltIn => BuiltInList.Value;

    /// <summary>Uses <paramref name="list"/> for this async flow until the result is disposed (tests).</summary>
    public static IDisposable Override(DistrustList list)
    {
        var previous = Scoped.Value;
        Scoped.Value = list;
        return new Restore(() => Scoped.Value = previous);
    }

    /// <summary>The blocked key the certificate carries, matched on its SubjectPublicKeyInfo (so any certificate with that key).</summary>
    public BlockedKey? Blocked(X509Certificate2 certificate) =>
        _blocked.Count == 0 ? null : _blocked.GetValueOrDefault(SubjectKeyHash.Of(certificate));

    /// <summary>The distrust-after rules of every program that names this certificate.</summary>
    public IEnumerable<DistrustedRoot> DistrustOf(X509Certificate2 certificate) =>
        Roots.Count == 0 ? [] : _roots[CertificateFacts.Sha256Fingerprint(certificate)];

    private sealed class Restore(Action restore) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                restore();
            }
        }
    }

    private static DistrustList LoadBuiltIn() => new(
        Lines("blocked-spki.txt").Select(f => new BlockedKey(f[0].ToUpperInvariant(), f[2], "Chromium blocklist")),
        Lines("distrusted-roots.txt").Select(f => new DistrustedRoot(f[0], Enum.Parse<ClientFamily>(f[1]), f[2].ToUpperInvariant(),
            DateTime.Parse(f[3], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
            f[4] == "sct" ? DistrustBasis.EarliestSct : DistrustBasis.NotBefore, f[5], f[6])));

    /// <summary>The '|'-separated fields of each data line of an embedded data file ('#' starts a comment line).</summary>
    private static IEnumerable<string[]> Lines(string name)
    {
        using var stream = typeof(DistrustList).Assembly.GetManifestResourceStream("CertHeal.Distrust." + name)
            ?? throw new InvalidOperationException($"The distrust data '{name}' is missing from the engine assembly.");
        using var reader = new StreamReader(stream);
        var lines = new List<string[]>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && line[0] != '#')
            {
                lines.Add(line.Split('|', StringSplitOptions.TrimEntries));
            }
        }
        return lines;
    }
}
