using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Keystores;
using CertHeal.Lab;
using CertHeal.Trust;
using Xunit.Abstractions;

namespace CertHeal.Tests.Reliability;

/// <summary>
/// Under the default policy nothing an attacker can present becomes trusted, whatever order it
/// arrives in: a fresh self-signed root, a certificate impersonating the trusted root's name, a
/// leaf for a trusted name from the attacker's CA, an intermediate chaining to an unknown root,
/// and an expired renewal of a trusted entry. A genuine missing intermediate in the same input
/// is added every time (the control that shows the test can see an addition).
/// </summary>
public sealed class TrustPermutationTests(ITestOutputHelper output) : IDisposable
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private readonly LabHierarchy _trusted = LabHierarchy.Create("Permutation Trusted");
    private readonly LabHierarchy _attacker = LabHierarchy.Create("Permutation Attacker");

    private X509Certificate2 ExpiredOld => Cached(ref _expiredOld, () => CertificateMint.Issue(new CertificateMint.Spec
    {
        Subject = "CN=Permutation Renewed CA, O=CertHeal Lab",
        IsCertificateAuthority = true,
        NotBefore = Now.AddDays(-400),
        NotAfter = Now.AddDays(-30),
    }, _trusted.Root));

    private X509Certificate2? _expiredOld;

    private static X509Certificate2 Cached(ref X509Certificate2? field, Func<X509Certificate2> make) => field ??= make();

    private (string Name, X509Certificate2 Certificate)[] Inputs() =>
    [
        ("fresh self-signed root", _attacker.Root),
        ("impostor of the trusted root's name", CertificateMint.Issue(new CertificateMint.Spec { Subject = _trusted.Root.Subject, IsCertificateAuthority = true })),
        ("attacker's leaf for a trusted name", CertificateMint.Issue(new CertificateMint.Spec { Subject = "CN=www.trusted.certheal.test", DnsNames = ["www.trusted.certheal.test"] }, _attacker.Intermediate)),
        ("intermediate chaining to an unknown root", _attacker.Intermediate),
        ("expired renewal", CertificateMint.Issue(new CertificateMint.Spec
        {
            Subject = ExpiredOld.Subject,
            IsCertificateAuthority = true,
            NotBefore = Now.AddDays(-200),
            NotAfter = Now.AddDays(-2),
        }, _trusted.Root)),
        ("genuine missing intermediate", _trusted.Intermediate),
    ];

    private Keystore Store()
    {
        var keystore = new Keystore { Path = "/permutations/store.pem", Format = KeystoreFormat.PemBundle };
        Keystores.KeystoreTestKit.AddTo(keystore, [_trusted.Root, ExpiredOld]);
        return keystore;
    }

    private static MergeOptions Default() => new() { System = TrustAnchors.FromCertificates("no system roots", []) };

    private static IEnumerable<int[]> Permutations(int[] items)
    {
        if (items.Length <= 1)
        {
            yield return items;
            yield break;
        }
        for (var i = 0; i < items.Length; i++)
        {
            foreach (var rest in Permutations([.. items[..i], .. items[(i + 1)..]]))
            {
                yield return [items[i], .. rest];
            }
        }
    }

    [Fact]
    public void Every_order_of_hostile_input_in_one_merge_and_one_at_a_time_adds_only_the_genuine_intermediate()
    {
        var inputs = Inputs();
        var genuine = inputs[^1].Certificate;
        var budget = TimeSpan.FromSeconds(60);
        var clock = Stopwatch.StartNew();
        int orders = 0, merges = 0;
        foreach (var order in Permutations([.. Enumerable.Range(0, inputs.Length)]))
        {
            if (clock.Elapsed > budget)
            {
                break;
            }
            var ordered = order.Select(i => inputs[i].Certificate).ToList();
            // All at once.
            var together = Store();
            KeystoreMerge.Apply(together, ordered, Default());
            merges++;
            // One certificate per merge, in this order, so an earlier merge's result is the next one's trust.
            var separately = Store();
            foreach (var certificate in ordered)
            {
                KeystoreMerge.Apply(separately, [certificate], Default());
                merges++;
            }
            foreach (var keystore in new[] { together, separately })
            {
                var added = keystore.TrustedEntries.Select(e => e.Certificate!).Where(c => c.Thumbprint != _trusted.Root.Thumbprint && c.Thumbprint != ExpiredOld.Thumbprint).ToList();
                var wrong = added.Where(c => c.Thumbprint != genuine.Thumbprint).Select(c => inputs.First(i => i.Certificate.Thumbprint == c.Thumbprint).Name).ToList();
                Assert.True(wrong.Count == 0, $"order [{string.Join(", ", order.Select(i => inputs[i].Name))}] wrote: {string.Join(", ", wrong)}");
                Assert.Single(added, c => c.Thumbprint == genuine.Thumbprint);
                Assert.Contains(keystore.TrustedEntries, e => e.Certificate!.Thumbprint == ExpiredOld.Thumbprint); // never replaced by the expired renewal
            }
            orders++;
        }
        output.WriteLine($"{orders} orders of {inputs.Length} inputs, {merges} merges, 0 hostile certificates written ({clock.Elapsed.TotalSeconds:0.0} s)");
        Assert.True(orders >= 120, $"only {orders} orders in {budget.TotalSeconds} s");
    }

    [Theory]
    [InlineData("p.jks")]
    [InlineData("p.p12")]
    [InlineData("p.pem")]
    public void Hostile_input_alone_through_the_write_path_writes_nothing_in_any_order(string name)
    {
        var folder = ReliabilityKit.NewFolder("trust");
        try
        {
            var path = Path.Combine(folder, name);
            ReliabilityKit.CreateStore(path, [_trusted.Root, ExpiredOld]);
            var bytes = File.ReadAllBytes(path);
            var hostile = Inputs()[..^1];
            using var pw = KeystorePassword.FromString(ReliabilityKit.Password);
            var orders = 0;
            foreach (var order in Permutations([.. Enumerable.Range(0, hostile.Length)]).Where((_, i) => i % 5 == 0))
            {
                var change = KeystoreMerger.Merge(path, null, pw, order.Select(i => hostile[i].Certificate).ToList(), Default(), new SaveOptions());
                Assert.False(change.Written);
                Assert.Equal(hostile.Length, change.Skipped);
                Assert.All(change.Entries, e => Assert.False(string.IsNullOrWhiteSpace(e.Reason)));
                orders++;
            }
            Assert.Equal(bytes, File.ReadAllBytes(path));
            Assert.False(File.Exists(path + ".bak"));
            output.WriteLine($"{name}: {orders} orders through KeystoreMerger, nothing written");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    public void Dispose()
    {
        _trusted.Dispose();
        _attacker.Dispose();
    }
}
