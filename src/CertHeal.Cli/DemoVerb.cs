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
        var options = new ProbeOptions { Trust = trust, Timeout = TimeSpan.FromSeconds(2), Vocabulary = CliVocabulary.Instance };
        var results = await Task.WhenAll(endpoints.Select(e =>
            HandshakeProbe.ProbeAsync(TlsTarget.Parse(e.Endpoint.Target), options, cancellationToken))).ConfigureAwait(false);

        var rows = endpoints.Zip(results, (e, r) => (e.Scenario, e.Expected, Result: r)).ToList();
        if (args.Flag("--json"))
        {
            await JsonOutput.WriteAsync(stdout, results, JsonOutput.Types.IReadOnlyListHandshakeResult).ConfigureAwait(false);
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
        var healed = await HealAsync(lab, trust, args.Flag("--json") ? TextWriter.Null : stdout, cancellationToken).ConfigureAwait(false);
        return wrong.Count == 0 && healed ? CliApp.Success : CliApp.CheckFailed;
    }

    /// <summary>The heal loop on three servers: an incomplete chain (AIA), a pinned private root, a renewal ahead of expiry.</summary>
    private static async Task<bool> HealAsync(Lab.Lab lab, TrustAnchors system, TextWriter stdout, CancellationToken cancellationToken)
    {
        await using var aia = lab.StartLeafOnlyWithAia(out _);
        await using var privateRoot = lab.Start(LabScenario.UntrustedRoot);
        await using var renewal = lab.StartWithRenewedIntermediate(5, out var expiring, out _);
        var pinned = CertificateFacts.Sha256Fingerprint(lab.Untrusted.Root);
        var renewalStore = Path.Combine(lab.Folder, "renewal-truststore.pem");
        Keystores.KeystoreFile.Update(renewalStore, null, null, k =>
        {
            k.Entries.Add(new Keystores.KeystoreEntry { Alias = "lab-root", EntryType = Keystores.KeystoreEntryType.TrustedCertificate, Certificate = lab.Trusted.Root });
            k.Entries.Add(new Keystores.KeystoreEntry { Alias = "renewing-ca", EntryType = Keystores.KeystoreEntryType.TrustedCertificate, Certificate = expiring });
            return true;
        });
        var noSystem = TrustAnchors.FromCertificates("nothing", [], isSystem: true);
        var cases = new (string Title, LabEndpoint Server, Healing.HealingOptions Options)[]
        {
            ("incomplete chain, healed by AIA", aia, new() { KeystorePath = Path.Combine(lab.Folder, "aia-truststore.pem"), System = system }),
            ("private root, healed only with its pinned fingerprint", privateRoot,
                new() { KeystorePath = Path.Combine(lab.Folder, "pinned-truststore.jks"), Password = Keystores.KeystorePassword.FromString("changeit"), System = noSystem, Policy = TrustPolicy.Pinned, TrustedFingerprints = [pinned] }),
            ("issuing CA expiring in 5 days, renewed ahead of time", renewal, new() { KeystorePath = renewalStore, System = noSystem, RenewBeforeDays = 30 }),
        };
        var ok = true;
        await stdout.WriteLineAsync().ConfigureAwait(false);
        await stdout.WriteLineAsync($"Healing (keystores in {lab.Folder}):").ConfigureAwait(false);
        foreach (var (title, server, options) in cases)
        {
            var spec = new Healing.RequestSpec { Uri = new Uri($"https://127.0.0.1:{server.Port}/") };
            await stdout.WriteLineAsync($"- {title}: {spec.Uri}").ConfigureAwait(false);
            try
            {
                var response = await Healing.HealedRequest.SendAsync(spec, options, cancellationToken).ConfigureAwait(false);
                foreach (var step in response.Steps)
                {
                    await stdout.WriteLineAsync($"    {step.Name,-10} {step.Duration.TotalMilliseconds,6:0} ms  {step.Detail}").ConfigureAwait(false);
                }
                var again = await Healing.HealedRequest.SendAsync(spec, options, cancellationToken).ConfigureAwait(false);
                var good = response.Healed && again.StatusCode == 200 && !again.Healed;
                ok &= good;
                await stdout.WriteLineAsync($"    {(good ? "OK" : "UNEXPECTED")}: HTTP {response.StatusCode}, then HTTP {again.StatusCode} with nothing left to heal").ConfigureAwait(false);
            }
            catch (Exception e) when (e is Healing.HealingException or HttpRequestException or Keystores.KeystoreException)
            {
                ok = false;
                await stdout.WriteLineAsync($"    UNEXPECTED: {e.Message}").ConfigureAwait(false);
            }
        }
        return ok;
    }
}
