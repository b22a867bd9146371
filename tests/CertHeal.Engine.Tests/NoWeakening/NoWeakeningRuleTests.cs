using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Trust;

namespace CertHeal.Tests.NoWeakening;

/// <summary>
/// The rule itself, without endpoints to validate against (a bundle that names none, a merge with
/// validation skipped): under every policy, a CA whose chain reaches the trusted root is still
/// Skipped when it would hide a weakness as an anchor, and the reason names the rule.
/// </summary>
public sealed class NoWeakeningRuleTests
{
    public static TheoryData<string, string, TrustPolicy> Cases()
    {
        var data = new TheoryData<string, string, TrustPolicy>();
        foreach (var policy in Enum.GetValues<TrustPolicy>())
        {
            data.Add("sha1-intermediate", "is signed with SHA-1", policy);
            data.Add("rsa1024-ca", "has 1024 bits", policy);
            data.Add("pathlen-violation", "path length constraint exceeded", policy);
            data.Add("name-constraint-violation", "name constraints", policy);
            data.Add("incomplete-chain", "", policy);
            data.Add("expired-leaf", "", policy);
            data.Add("wrong-host", "", policy);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_CA_that_would_hide_a_weakness_as_an_anchor_is_skipped_naming_the_rule(string scenario, string rule, TrustPolicy policy)
    {
        using var root = LabChainMint.Root($"NoWeakening Rule Root {scenario}");
        var served = NoWeakeningScenario.All.Single(s => s.Name == scenario).Build(root, _ => "http://127.0.0.1:9/unused.cer");
        List<X509Certificate2> incoming = [LabChainMint.Public(served.Leaf), .. served.CasBelowRoot.Select(LabChainMint.Public)];
        X509Certificate2[] stored = [LabChainMint.Public(root)];
        var evaluator = new TrustPolicyEvaluator(policy, [Convert.ToHexString(SHA256.HashData(root.RawData))], stored.Select(CertificateFacts.Sha256Fingerprint), () => stored,
            TrustAnchors.FromCertificates("no system roots", []), incoming, DateTime.UtcNow);

        foreach (var ca in incoming.Skip(1))
        {
            var (allowed, reason, _) = evaluator.Decide(ca);
            if (rule.Length == 0)
            {
                Assert.True(allowed, $"{ca.Subject}: {reason}");
                continue;
            }
            Assert.False(allowed, $"{ca.Subject} was allowed: {reason}");
            Assert.Contains("no-weakening rule", reason, StringComparison.Ordinal);
            Assert.Contains(rule, reason, StringComparison.Ordinal);
            Assert.DoesNotContain("-Trust", reason, StringComparison.Ordinal);
        }
    }
}
