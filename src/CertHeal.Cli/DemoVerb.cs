using System.Globalization;
using CertHeal.Handshake;
using CertHeal.Lab;
using CertHeal.Trust;

namespace CertHeal.Cli;

/// <summary>
/// certheal demo: starts the lab's loopback servers in a temp folder and shows how CertHeal
/// names each failure. Exit code 1 if any scenario is not classified as expected.
/// </summary>
internal static class DemoVerb
{
    public static readonly Dictionary<string, bool> Options = new() { ["--json"] = false };

    private static readonly (LabScenario Scenario, HandshakeFailure Expected)[] Scenarios =
    [
        (LabScenario.GoodChain, HandshakeFailure.None),
        (LabScenario.LeafOnly, HandshakeFailure.IncompleteChain),
        (LabScenario.UntrustedRoot, HandshakeFailure.UntrustedRoot),
        (LabScenario.SelfSigned, HandshakeFailure.SelfSigned),
        (LabScenario.Expired, HandshakeFailure.Expired),
        (LabScenario.NotYetValid, HandshakeFailure.NotYetValid),
        (LabScenario.NameMismatch, HandshakeFailure.NameMismatch),
        (LabScenario.ClientCertificateRequired, HandshakeFailure.ClientCertificateRequired),
        (LabScenario.PlainHttp, HandshakeFailure.NotTls),
        (LabScenario.ClosedPort, HandshakeFailure.ConnectionRefused),
        (LabScenario.Silent, HandshakeFailure.Timeout),
    ];

    public static async Task<int> RunAsync(CliArguments args, TextWriter stdout, CancellationToken cancellationToken)
    {
        await using var lab = Lab.Lab.Create();
        var trust = TrustAnchors.FromCertificates("Demo root", lab.TrustedRoots.Cast<System.Security.Cryptography.X509Certificates.X509Certificate2>());
        var endpoints = Scenarios.Select(s => (s.Scenario, s.Expected, Endpoint: lab.Start(s.Scenario))).ToList();
        var options = new ProbeOptions { Trust = trust, Timeout = TimeSpan.FromSeconds(2) };
        var results = await Task.WhenAll(endpoints.Select(e =>
            HandshakeProbe.ProbeAsync(TlsTarget.Parse(e.Endpoint.Target), options, cancellationToken))).ConfigureAwait(false);

        var rows = endpoints.Zip(results, (e, r) => (e.Scenario, e.Expected, Result: r)).ToList();
        if (args.Flag("--json"))
        {
            await JsonOutput.WriteAsync(stdout, results).ConfigureAwait(false);
        }
        else
        {
            await stdout.WriteLineAsync($"CertHeal demo: {rows.Count} loopback servers, trust = a private demo root (lab folder {lab.Folder})").ConfigureAwait(false);
            await stdout.WriteAsync(TableOutput.Format(["Scenario", "Failure", "Healable", "Time", "Reason"],
                rows.Select(r => (IReadOnlyList<string>)[
                    r.Scenario.ToString(), r.Result.Failure.ToString(), r.Result.Healable ? "yes" : "no",
                    (r.Result.ConnectTime + r.Result.HandshakeTime).TotalMilliseconds.ToString("0 'ms'", CultureInfo.InvariantCulture),
                    r.Result.Reason,
                ]), lastColumnMax: 300)).ConfigureAwait(false);
        }
        var wrong = rows.Where(r => r.Result.Failure != r.Expected).ToList();
        foreach (var miss in wrong)
        {
            await stdout.WriteLineAsync($"UNEXPECTED: {miss.Scenario} was classified {miss.Result.Failure}, expected {miss.Expected}.").ConfigureAwait(false);
        }
        return wrong.Count == 0 ? CliApp.Success : CliApp.CheckFailed;
    }
}
