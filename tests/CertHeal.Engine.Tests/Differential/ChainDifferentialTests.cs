using System.Text;
using CertHeal.Trust;
using Xunit.Abstractions;

namespace CertHeal.Tests.Differential;

/// <summary>
/// CertHeal's per-family chain verdicts against the real clients' own verdicts on the same
/// generated chains, in the same test: openssl verify set up as curl uses OpenSSL, the JDK's
/// trust manager, and SslStream's default validation in another process. Browsers have no
/// oracle here; their verdict follows the Chromium rules listed in ClientVerdictRules and only
/// counts towards the overall verdict.
/// </summary>
public sealed class ChainDifferentialTests(ITestOutputHelper output)
{
    /// <summary>
    /// Deliberate differences, each with the client documentation CertHeal follows instead of the
    /// oracle. At most 1% of the corpus per family.
    /// </summary>
    private static readonly Dictionary<(string Case, ClientFamily Family), string> Exceptions = new()
    {
    };

    [Fact]
    public async Task Each_family_verdict_equals_that_clients_own_and_the_overall_verdict_rejects_what_any_rejects()
    {
        var work = Directory.CreateTempSubdirectory("certheal-differential-").FullName;
        try
        {
            var cases = new ChainCorpus().Build().Concat(await OpenSslChainMaker.BuildAsync(work)).ToList();
            Assert.True(cases.Count >= 200, $"the corpus has {cases.Count} chains");
            var manifest = ChainOracles.Write(cases, work);
            var openSsl = await ChainOracles.OpenSslAsync(cases, work);
            var java = await ChainOracles.JavaAsync(cases, manifest);
            var dotNet = await ChainOracles.DotNetAsync(cases, manifest, work);

            var now = DateTime.UtcNow;
            var table = new StringBuilder();
            table.AppendLine($"{"chain",-44} {"rule",-44} | .NET ch/or | OpenSSL ch/or | Java ch/or | Browser | overall (ch = CertHeal, or = the client)");
            var mismatches = new List<string>();
            var used = new Dictionary<ClientFamily, int> { [ClientFamily.DotNet] = 0, [ClientFamily.OpenSsl] = 0, [ClientFamily.Java] = 0 };
            for (var i = 0; i < cases.Count; i++)
            {
                var c = cases[i];
                var anchors = TrustAnchors.FromCertificates("differential", c.Anchors);
                var judged = ChainVerdicts.Judge(c.Presented, anchors, c.Host, now);
                var verdicts = judged.Clients.ToDictionary(v => v.Client);
                var oracles = new Dictionary<ClientFamily, OracleVerdict> { [ClientFamily.DotNet] = dotNet[i], [ClientFamily.OpenSsl] = openSsl[i], [ClientFamily.Java] = java[i] };
                foreach (var (family, oracle) in oracles)
                {
                    if (verdicts[family].Accepts == oracle.Accepts)
                    {
                        continue;
                    }
                    var key = (c.Name.Split('/')[0], family);
                    if (Exceptions.ContainsKey(key))
                    {
                        used[family]++;
                        continue;
                    }
                    mismatches.Add($"{c.Name} ({c.Rule}) {family}: CertHeal {(verdicts[family].Accepts ? "accepts" : "rejects")} ({verdicts[family].Reason}); the client {(oracle.Accepts ? "accepts" : "rejects")} ({oracle.Detail})");
                }
                if (judged.Trusted && oracles.Values.Any(o => !o.Accepts))
                {
                    mismatches.Add($"{c.Name}: the overall verdict is trusted although a client rejects it");
                }
                table.AppendLine($"{c.Name,-44} {c.Rule,-44} | {Mark(verdicts[ClientFamily.DotNet].Accepts)}/{Mark(dotNet[i].Accepts)}      | {Mark(verdicts[ClientFamily.OpenSsl].Accepts)}/{Mark(openSsl[i].Accepts)}         | {Mark(verdicts[ClientFamily.Java].Accepts)}/{Mark(java[i].Accepts)}      | {Mark(verdicts[ClientFamily.Browser].Accepts)}       | {judged.Failure}");
            }
            output.WriteLine(table.ToString());
            output.WriteLine($"{cases.Count} chains; exceptions used: {string.Join(", ", used.Select(u => $"{u.Key} {u.Value}"))}");
            foreach (var family in used.Keys)
            {
                Assert.True(used[family] * 100 <= cases.Count, $"{family} uses {used[family]} exceptions, more than 1% of {cases.Count}");
            }
            Assert.True(mismatches.Count == 0, $"{mismatches.Count} verdicts differ from the real clients:\n" + string.Join("\n", mismatches));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static string Mark(bool accepts) => accepts ? "ok" : "NO";
}
