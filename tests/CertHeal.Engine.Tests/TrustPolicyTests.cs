using System.Security.Cryptography.X509Certificates;
using CertHeal.Lab;
using CertHeal.Trust;

namespace CertHeal.Tests;

/// <summary>The security core: what each policy lets into a keystore, judged on lab certificates.</summary>
public sealed class TrustPolicyTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    private Lab.Lab Lab => fixture.Lab;

    private TrustPolicyEvaluator Evaluator(TrustPolicy policy, IEnumerable<X509Certificate2> incoming, IEnumerable<X509Certificate2>? keystore = null, params string[] pins)
    {
        List<X509Certificate2> stored = [.. keystore ?? []];
        return new(policy, pins, stored.Select(CertificateFacts.Sha256Fingerprint), () => stored, fixture.Trust, incoming, DateTime.UtcNow);
    }

    [Fact]
    public void Default_policy_adds_a_missing_intermediate_that_chains_to_a_trusted_root()
    {
        var incoming = new[] { Lab.Trusted.Intermediate };

        var decision = Evaluator(TrustPolicy.ChainToTrusted, incoming).Decide(Lab.Trusted.Intermediate);

        Assert.True(decision.Allowed, decision.Reason);
        Assert.False(decision.NewAnchor);
    }

    [Fact]
    public void Default_policy_refuses_an_untrusted_root_and_everything_below_it()
    {
        var incoming = new[] { Lab.Untrusted.Intermediate, Lab.Untrusted.Root };
        var evaluator = Evaluator(TrustPolicy.ChainToTrusted, incoming);

        var root = evaluator.Decide(Lab.Untrusted.Root);
        var intermediate = evaluator.Decide(Lab.Untrusted.Intermediate);

        Assert.False(root.Allowed);
        Assert.Contains("never adds a new root", root.Reason);
        Assert.Contains(CertificateFacts.Sha256Fingerprint(Lab.Untrusted.Root), root.Reason);
        Assert.False(intermediate.Allowed);
    }

    [Fact]
    public void Default_policy_refuses_an_attackers_self_signed_certificate_for_a_trusted_host_name()
    {
        var (trustedLeaf, _) = Lab.Material(LabScenario.GoodChain)!.Value;
        var attacker = CertificateMint.Issue(new CertificateMint.Spec { Subject = trustedLeaf.Subject, DnsNames = ["goodchain.certheal.test", "localhost"] });

        var decision = Evaluator(TrustPolicy.ChainToTrusted, [attacker], keystore: [Lab.Trusted.Root]).Decide(attacker);

        Assert.False(decision.Allowed);
    }

    [Fact]
    public void Pinned_accepts_only_the_matching_fingerprint()
    {
        var pinned = CertificateFacts.Sha256Fingerprint(Lab.Untrusted.Root);
        var incoming = new[] { Lab.Untrusted.Intermediate, Lab.Untrusted.Root, Lab.Trusted.Root };
        var evaluator = Evaluator(TrustPolicy.Pinned, incoming, pins: pinned.ToLowerInvariant().Insert(2, ":"));
        var (selfSigned, _) = Lab.Material(LabScenario.SelfSigned)!.Value;
        var other = Evaluator(TrustPolicy.Pinned, [selfSigned], pins: pinned);

        var root = evaluator.Decide(Lab.Untrusted.Root);
        var below = evaluator.Decide(Lab.Untrusted.Intermediate);

        Assert.True(root.Allowed, root.Reason);
        Assert.True(root.NewAnchor);
        Assert.True(below.Allowed, below.Reason);
        Assert.False(other.Decide(selfSigned).Allowed);
        Assert.True(evaluator.Decide(Lab.Trusted.Root).Allowed); // trusted already: not a new anchor
        Assert.False(evaluator.Decide(Lab.Trusted.Root).NewAnchor);
    }

    [Fact]
    public void Trust_on_first_use_adds_what_is_presented_and_names_new_anchors()
    {
        var (selfSigned, _) = Lab.Material(LabScenario.SelfSigned)!.Value;

        var decision = Evaluator(TrustPolicy.TrustOnFirstUse, [selfSigned]).Decide(selfSigned);

        Assert.True(decision.Allowed);
        Assert.True(decision.NewAnchor);
        Assert.Contains(CertificateFacts.Sha256Fingerprint(selfSigned), decision.Reason);
    }

    [Theory]
    [InlineData(TrustPolicy.ChainToTrusted)]
    [InlineData(TrustPolicy.TrustOnFirstUse)]
    public void Expired_and_not_yet_valid_certificates_are_never_added(TrustPolicy policy)
    {
        var (expired, _) = Lab.Material(LabScenario.Expired)!.Value;
        var (future, _) = Lab.Material(LabScenario.NotYetValid)!.Value;
        var evaluator = Evaluator(policy, [expired, future, Lab.Trusted.Intermediate]);

        Assert.Contains("expired", evaluator.Decide(expired).Reason);
        Assert.False(evaluator.Decide(expired).Allowed);
        Assert.Contains("not valid before", evaluator.Decide(future).Reason);
        Assert.False(evaluator.Decide(future).Allowed);
    }
}
