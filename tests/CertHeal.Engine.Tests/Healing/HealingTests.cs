using System.Security.Cryptography.X509Certificates;
using CertHeal.Healing;
using CertHeal.Keystores;
using CertHeal.Lab;
using CertHeal.Trust;

using CertHeal.Tests.Keystores;

namespace CertHeal.Tests.Healing;

/// <summary>The heal loop end to end against lab servers: fail, collect, merge, confirm, retry.</summary>
public sealed class HealingTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    private static readonly TrustAnchors NoSystem = TrustAnchors.FromCertificates("nothing", [], isSystem: true);

    private string NewPath(string name) => Path.Combine(fixture.Lab.Folder, Guid.NewGuid().ToString("N")[..6] + "-" + name);

    private static RequestSpec Get(LabEndpoint endpoint) => new() { Uri = new Uri($"https://127.0.0.1:{endpoint.Port}/") };

    private static void Seed(string path, params X509Certificate2[] certificates) => KeystoreTestKit.Add(path, null, certificates);

    [Fact]
    public async Task An_incomplete_chain_is_healed_through_AIA_and_the_request_goes_through()
    {
        await using var server = fixture.Lab.StartLeafOnlyWithAia(out _);
        var keystore = NewPath("healed.pem");

        var response = await HealedRequest.SendAsync(Get(server), new HealingOptions { KeystorePath = keystore, System = fixture.Trust }, default);

        Assert.Equal(200, response.StatusCode);
        Assert.Contains("certheal lab: tls ok", response.Content);
        Assert.True(response.Healed);
        Assert.Equal(2, response.Attempts);
        Assert.Equal(["Failed", "Collected", "Merged", "Confirmed", "Retried"], response.Steps.Select(s => s.Name));
        Assert.Contains("incomplete chain", response.Steps[0].Detail);

        // The live file holds the intermediate, and a fresh handler trusts the server without healing.
        var live = KeystoreFile.Open(keystore).TrustedEntries.Select(e => e.Certificate!.Thumbprint).ToList();
        Assert.Contains(fixture.Lab.Trusted.Intermediate.Thumbprint, live);
        File.Delete(keystore + ".bak");
        var again = await HealedRequest.SendAsync(Get(server), new HealingOptions { KeystorePath = keystore, System = fixture.Trust }, default);
        Assert.Equal(200, again.StatusCode);
        Assert.False(again.Healed);
        Assert.Empty(again.Steps);
    }

    [Fact]
    public async Task A_private_root_is_healed_only_with_its_pinned_fingerprint()
    {
        await using var server = fixture.Lab.Start(LabScenario.UntrustedRoot);
        var keystore = NewPath("pinned.jks");
        var pin = CertificateFacts.Sha256Fingerprint(fixture.Lab.Untrusted.Root);
        using var password = KeystorePassword.FromString("changeit");

        var refused = await Assert.ThrowsAsync<HealingException>(() =>
            HealedRequest.SendAsync(Get(server), new HealingOptions { KeystorePath = keystore, Password = password, System = NoSystem }, default));
        Assert.False(File.Exists(keystore));
        Assert.Equal(HandshakeFailure.UntrustedRoot, refused.Handshake!.Failure);
        Assert.Contains("never adds a new root", refused.Message);

        var healed = await HealedRequest.SendAsync(Get(server), new HealingOptions
        {
            KeystorePath = keystore, Password = password, System = NoSystem, Policy = TrustPolicy.Pinned, TrustedFingerprints = [pin],
        }, default);
        Assert.Equal(200, healed.StatusCode);
        Assert.True(healed.Healed);
    }

    [Fact]
    public async Task A_man_in_the_middle_with_a_self_signed_certificate_is_refused_and_nothing_is_written()
    {
        var keystore = NewPath("trusted.pem");
        Seed(keystore, fixture.Lab.Trusted.Root, fixture.Lab.Trusted.Intermediate);
        var before = File.ReadAllBytes(keystore);
        var (good, _) = fixture.Lab.Material(LabScenario.GoodChain)!.Value;
        var attacker = CertificateMint.Issue(new CertificateMint.Spec
        {
            Subject = good.Subject, DnsNames = ["localhost"], IpAddresses = [System.Net.IPAddress.Loopback],
        });
        await using var mitm = fixture.Lab.StartServing(LabScenario.SelfSigned, attacker, []);

        var error = await Assert.ThrowsAsync<HealingException>(() =>
            HealedRequest.SendAsync(Get(mitm), new HealingOptions { KeystorePath = keystore, System = NoSystem }, default));

        Assert.Equal(HandshakeFailure.SelfSigned, error.Handshake!.Failure);
        Assert.Equal(before, File.ReadAllBytes(keystore));
        Assert.False(File.Exists(keystore + ".bak"));
    }

    [Fact]
    public async Task A_name_mismatch_is_not_healed()
    {
        await using var server = fixture.Lab.Start(LabScenario.NameMismatch);
        var keystore = NewPath("name.pem");

        var error = await Assert.ThrowsAsync<HealingException>(() =>
            HealedRequest.SendAsync(Get(server), new HealingOptions { KeystorePath = keystore, System = fixture.Trust }, default));

        Assert.Equal(HandshakeFailure.NameMismatch, error.Handshake!.Failure);
        Assert.False(File.Exists(keystore));
    }

    [Fact]
    public async Task An_expired_pinned_entry_is_replaced_by_the_renewed_certificate_the_server_now_presents()
    {
        var now = DateTimeOffset.UtcNow;
        CertificateMint.Spec Self(DateTimeOffset from, DateTimeOffset to) => new()
        {
            Subject = "CN=pinned.certheal.test", DnsNames = ["localhost"], IpAddresses = [System.Net.IPAddress.Loopback], NotBefore = from, NotAfter = to,
        };
        var expired = CertificateMint.Issue(Self(now.AddYears(-1), now.AddDays(-1)));
        var renewed = CertificateMint.Issue(Self(now.AddDays(-1), now.AddYears(1)));
        var keystore = NewPath("stale.pem");
        Seed(keystore, expired);
        await using var server = fixture.Lab.StartServing(LabScenario.SelfSigned, renewed, []);

        var response = await HealedRequest.SendAsync(Get(server), new HealingOptions
        {
            KeystorePath = keystore, System = NoSystem, Policy = TrustPolicy.Pinned, TrustedFingerprints = [CertificateFacts.Sha256Fingerprint(renewed)],
        }, default);

        Assert.Equal(200, response.StatusCode);
        var entry = Assert.Single(KeystoreFile.Open(keystore).TrustedEntries);
        Assert.Equal(renewed.Thumbprint, entry.Certificate!.Thumbprint);
        Assert.Equal("pinned.certheal.test", entry.Alias);
    }

    [Fact]
    public async Task RenewBefore_replaces_an_entry_ahead_of_expiry_when_the_server_presents_its_successor()
    {
        await using var server = fixture.Lab.StartWithRenewedIntermediate(5, out var old, out var successor);
        var keystore = NewPath("renew.pem");
        Seed(keystore, fixture.Lab.Trusted.Root, old);

        var plain = await HealedRequest.SendAsync(Get(server), new HealingOptions { KeystorePath = keystore, System = NoSystem }, default);
        var renewed = await HealedRequest.SendAsync(Get(server), new HealingOptions { KeystorePath = keystore, System = NoSystem, RenewBeforeDays = 30 }, default);

        Assert.Empty(plain.Steps);
        Assert.Equal(200, renewed.StatusCode);
        Assert.Equal("Renewed", Assert.Single(renewed.Steps).Name);
        var thumbprints = KeystoreFile.Open(keystore).TrustedEntries.Select(e => e.Certificate!.Thumbprint).ToList();
        Assert.Contains(successor.Thumbprint, thumbprints);
        Assert.DoesNotContain(old.Thumbprint, thumbprints);
    }

    [Fact]
    public async Task A_chain_judged_trusted_on_one_connection_is_judged_again_once_the_clock_leaves_its_validity()
    {
        // The handler keeps the verdicts of trusted chains for new connections; the clock must
        // still end them: after the leaf's expiry the next connection fails and is not healed.
        await using var server = fixture.Lab.Start(LabScenario.GoodChain);
        var clock = new MovableClock(DateTimeOffset.UtcNow);
        using var handler = new HealingHttpHandler(new HealingOptions { KeystorePath = NewPath("clock.pem"), System = fixture.Trust, Clock = clock });
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        async Task<HttpResponseMessage> NewConnectionGet()
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"https://127.0.0.1:{server.Port}/");
            request.Headers.ConnectionClose = true;
            return await client.SendAsync(request);
        }

        Assert.Equal(200, (int)(await NewConnectionGet()).StatusCode);
        Assert.Equal(200, (int)(await NewConnectionGet()).StatusCode);
        clock.Now = server.Presented[0].NotAfter.ToUniversalTime().AddDays(1);
        var error = await Assert.ThrowsAsync<HealingException>(NewConnectionGet);

        Assert.Equal(HandshakeFailure.Expired, error.Handshake?.Failure);
        Assert.Equal(0, handler.Merges);
    }

    private sealed class MovableClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task Twenty_concurrent_requests_to_one_failing_host_cause_exactly_one_merge()
    {
        await using var server = fixture.Lab.StartLeafOnlyWithAia(out _);
        var keystore = NewPath("concurrent.pem");
        using var handler = new HealingHttpHandler(new HealingOptions { KeystorePath = keystore, System = fixture.Trust });
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.GetAsync($"https://127.0.0.1:{server.Port}/")));

        Assert.All(responses, r => Assert.Equal(200, (int)r.StatusCode));
        Assert.Equal(1, handler.Merges);
        Assert.Equal(1, handler.Heals);
    }

    [Fact]
    public async Task Renewal_reads_the_keystore_once_per_trust_generation_not_per_successful_response()
    {
        await using var server = fixture.Lab.Start(LabScenario.GoodChain);
        var keystore = NewPath("renew-reads.pem");
        Seed(keystore, fixture.Lab.Trusted.Root);
        using var handler = new HealingHttpHandler(new HealingOptions { KeystorePath = keystore, System = fixture.Trust, RenewBeforeDays = 30 });
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };

        for (var i = 0; i < 10; i++)
        {
            // A new connection each time, so every response comes with a fresh presented chain to judge.
            using var request = new HttpRequestMessage(HttpMethod.Get, $"https://127.0.0.1:{server.Port}/");
            request.Headers.ConnectionClose = true;
            Assert.Equal(200, (int)(await client.SendAsync(request)).StatusCode);
        }

        Assert.Equal(1, handler.RenewalKeystoreReads);
        Assert.Equal(0, handler.Merges);
    }

    [Fact]
    public async Task WhatIf_diagnoses_and_shows_what_would_be_trusted_without_sending_or_writing()
    {
        await using var server = fixture.Lab.StartLeafOnlyWithAia(out _);
        var keystore = NewPath("whatif.pem");
        var connectionsBefore = server.Connections;

        var result = await HealedRequest.DiagnoseAsync(Get(server), new HealingOptions { KeystorePath = keystore, System = fixture.Trust }, default);

        Assert.Equal(HandshakeFailure.IncompleteChain, result.Handshake!.Failure);
        Assert.Contains(result.Change!.Entries, e => e.Action == KeystoreChangeAction.Added && e.Thumbprint == fixture.Lab.Trusted.Intermediate.Thumbprint);
        Assert.Contains(result.Steps, s => s.Name == "WouldMerge" && s.Detail.Contains(CertificateFacts.Sha256Fingerprint(fixture.Lab.Trusted.Intermediate)));
        Assert.False(File.Exists(keystore));
        Assert.Equal(connectionsBefore + 1, server.Connections); // the diagnosis handshake only, no request
    }
}

public sealed class RequestCliTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    [Fact]
    public async Task Certheal_request_heals_an_incomplete_chain_and_exits_0_and_refuses_a_name_mismatch_with_exit_1()
    {
        await using var incomplete = fixture.Lab.StartLeafOnlyWithAia(out _);
        await using var mismatch = fixture.Lab.Start(LabScenario.NameMismatch);
        var roots = fixture.Lab.WriteTrustedRootPem("request-roots.pem");
        var keystore = Path.Combine(fixture.Lab.Folder, "request-store.pem");

        var healed = await CliProcess.RunAsync(["request", $"https://127.0.0.1:{incomplete.Port}/", "--keystore", keystore, "--json"], roots);
        var refused = await CliProcess.RunAsync(["request", $"https://127.0.0.1:{mismatch.Port}/", "--keystore", keystore], roots);
        var usage = await CliProcess.RunAsync(["request", "http://example.invalid/"]);

        Assert.True(healed.Code == 0, healed.Stdout + healed.Stderr);
        var response = System.Text.Json.JsonDocument.Parse(healed.Stdout).RootElement;
        Assert.True(response.GetProperty("Healed").GetBoolean());
        Assert.Equal(200, response.GetProperty("StatusCode").GetInt32());
        Assert.True(response.GetProperty("Changed").GetBoolean());
        Assert.Equal(1, refused.Code);
        Assert.Contains("wrong.certheal.test", refused.Stderr);
        Assert.Equal(2, usage.Code);
    }

    [Fact]
    public async Task Certheal_demo_runs_green()
    {
        var demo = await CliProcess.RunAsync(["demo"]);

        Assert.True(demo.Code == 0, demo.Stdout + demo.Stderr);
        Assert.Contains("Renewed", demo.Stdout);
        Assert.DoesNotContain("UNEXPECTED", demo.Stdout);
    }
}
