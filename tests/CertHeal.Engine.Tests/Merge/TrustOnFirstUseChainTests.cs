using CertHeal.Chains;
using CertHeal.Keystores;
using CertHeal.Lab;

namespace CertHeal.Tests.Merge;

/// <summary>
/// TrustOnFirstUse of a private chain: its root is the one anchor to consent to, asked once; the
/// intermediate and leaf follow that answer (Java would trust either as an anchor on its own).
/// </summary>
public sealed class TrustOnFirstUseChainTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    private (KeystoreChange Change, List<string> Asked) Merge(Func<string, bool> answer, params string[] named)
    {
        var path = Path.Combine(fixture.Lab.Folder, Guid.NewGuid().ToString("N")[..6] + "-tofu.pem");
        var (leaf, chain) = fixture.Lab.Material(LabScenario.UntrustedRoot)!.Value;
        var asked = new List<string>();
        var change = KeystoreMerger.Merge(path, null, null, [leaf, .. chain], new MergeOptions
        {
            Policy = TrustPolicy.TrustOnFirstUse, System = fixture.Trust, TrustedFingerprints = named,
            ApproveAnchor = fingerprint =>
            {
                asked.Add(fingerprint);
                return answer(fingerprint);
            },
        }, new SaveOptions());
        return (change, asked);
    }

    [Fact]
    public void A_refused_root_keeps_the_intermediate_and_leaf_out_too()
    {
        var (change, asked) = Merge(_ => false);

        Assert.Equal([CertificateFacts.Sha256Fingerprint(fixture.Lab.Untrusted.Root)], asked);
        Assert.Equal(0, change.Added);
        Assert.All(change.Entries, e => Assert.True(e.Refused, e.Reason));
        Assert.False(change.Written);
    }

    [Fact]
    public void An_approved_root_is_asked_once_and_brings_its_chain()
    {
        var (change, asked) = Merge(_ => true);

        Assert.Single(asked);
        Assert.Equal(3, change.Added);
    }

    [Fact]
    public void A_named_root_is_never_asked_about()
    {
        var (change, asked) = Merge(_ => false, CertificateFacts.Sha256Fingerprint(fixture.Lab.Untrusted.Root));

        Assert.Empty(asked);
        Assert.Equal(3, change.Added);
    }
}
