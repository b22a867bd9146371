using System.Globalization;
using CertHeal.Chains;
using CertHeal.Handshake;
using CertHeal.Keystores;
using CertHeal.Lab;
using CertHeal.Trust;

namespace CertHeal.Tests.Reach;

/// <summary>
/// A real PostgreSQL (ssl=on) that sends only its leaf: classified through the SSLRequest
/// upgrade, healed into a PEM truststore, after which psql with sslmode=verify-full connects.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    public LabFixture Lab { get; } = new();

    /// <summary>The PostgreSQL every test project shares; its leaf comes from the group's own hierarchy.</summary>
    public SharedLabDaemon Server { get; private set; } = null!;

    public TrustAnchors Trust => TrustAnchors.FromCertificates("Shared lab root", [Server.Root], isSystem: true);

    public string Target => $"postgres://127.0.0.1:{Server.Port.ToString(CultureInfo.InvariantCulture)}";

    public async Task InitializeAsync() =>
        // The leaf names 127.0.0.1 and localhost (verify-full checks it) and points at its issuer by AIA.
        Server = await _daemons.Add(SharedLabDaemon.AcquireAsync("postgres", "db.certheal.test", leaf => LabPostgres.StartAsync(leaf, [])));

    private readonly LabDaemonGroup _daemons = new();

    public async Task DisposeAsync()
    {
        await _daemons.DisposeAsync();
        await Lab.DisposeAsync();
    }
}

public sealed class PostgresStartTlsTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>
{
    private string NewStore()
    {
        var path = Path.Combine(fixture.Lab.Lab.Folder, "pg-truststore-" + Guid.NewGuid().ToString("N")[..6] + ".pem");
        File.WriteAllText(path, CertificateMint.ToPem(fixture.Server.Root));
        return path;
    }

    private Task<(int Code, string Stdout, string Stderr)> PsqlAsync(string rootFile) =>
        ReachProcess.RunAsync("psql", [$"host=127.0.0.1 port={fixture.Server.Port} user=postgres dbname=postgres sslmode=verify-full sslrootcert={rootFile} connect_timeout=10",
            "-tAc", "select ssl from pg_stat_ssl where pid = pg_backend_pid()"]);

    [Fact]
    public async Task An_incomplete_chain_behind_STARTTLS_is_classified_healed_and_psql_verify_full_connects()
    {
        var store = NewStore();
        var target = TlsTarget.Parse(fixture.Target);
        var probe = await HandshakeProbe.ProbeAsync(target, new ProbeOptions { Trust = fixture.Trust, Timeout = TimeSpan.FromSeconds(15) }, default);
        var before = await PsqlAsync(store);

        using var aia = new AiaFetcher();
        var report = await ChainCollector.CollectAsync(target, new ChainOptions
        {
            Probe = new ProbeOptions { Trust = fixture.Trust, Timeout = TimeSpan.FromSeconds(15) },
            Aia = aia,
        }, default);
        // The merge validates its candidate by a real handshake with the endpoint, through STARTTLS again.
        var endpoints = report.Path.Select(c => TlsTarget.Parse(c.Target)).DistinctBy(t => t.Display).ToList();
        var change = KeystoreMerger.Merge(store, null, null, report.Path.Select(c => CertificateInput.FromPem(c.Pem)).ToList(),
            new MergeOptions { System = fixture.Trust }, new SaveOptions(), endpoints);
        var after = await PsqlAsync(store);

        Assert.Equal(StartTlsProtocol.Postgres, target.StartTls);
        Assert.Equal(5432, TlsTarget.Parse("postgresql://db.example").Port);
        Assert.Equal(HandshakeFailure.IncompleteChain, probe.Failure);
        Assert.StartsWith(fixture.Target, probe.Target);
        Assert.Equal(StartTlsProtocol.Postgres, probe.Remedy!.Probe.StartTls);
        Assert.Equal(probe.Target, probe.Remedy.Probe.Target);
        Assert.Single(probe.PresentedChain);
        Assert.NotEqual(0, before.Code);
        Assert.Contains("certificate verify failed", before.Stderr);
        Assert.True(change.Written);
        Assert.Contains(change.Entries, e => e.Action == KeystoreChangeAction.Added && e.Thumbprint == fixture.Server.Intermediate.Thumbprint);
        Assert.All(endpoints, e => Assert.Equal(StartTlsProtocol.Postgres, e.StartTls));
        Assert.True(after.Code == 0, after.Stdout + after.Stderr);
        Assert.Equal("t", after.Stdout.Trim());
    }

    [Fact]
    public async Task The_CLI_chain_verb_reads_the_database_chain_and_test_accepts_starttls_on_a_plain_target()
    {
        var roots = NewStore();
        var chain = await ReachProcess.CertHealAsync(["chain", fixture.Target, "--keystore", roots, "--out", "-"]);
        var test = await ReachProcess.CertHealAsync(["test", $"127.0.0.1:{fixture.Server.Port}", "--starttls", "postgres", "--keystore", roots, "--json"]);
        var wrongProtocol = await ReachProcess.CertHealAsync(["test", $"127.0.0.1:{fixture.Server.Port}", "--starttls", "Smtp", "--keystore", roots, "--json", "--timeout", "3"]);

        Assert.True(chain.Code == 0, chain.Stderr);
        Assert.Equal(2, chain.Stdout.Split("BEGIN CERTIFICATE").Length - 1 - (chain.Stdout.Contains(CertificateMint.ToPem(fixture.Server.Root).Trim()) ? 1 : 0));
        Assert.Equal(1, test.Code);
        Assert.Contains("\"Failure\": \"IncompleteChain\"", test.Stdout);
        Assert.Contains($"postgres://127.0.0.1:{fixture.Server.Port}", test.Stdout);
        Assert.Equal(1, wrongProtocol.Code);
        Assert.DoesNotContain("\"Succeeded\": true", wrongProtocol.Stdout);
    }

    [Fact]
    public async Task A_server_that_does_not_answer_the_upgrade_as_PostgreSQL_is_StartTlsRefused_with_its_answer()
    {
        await using var http = fixture.Lab.Lab.Start(LabScenario.PlainHttp);
        var result = await HandshakeProbe.ProbeAsync(TlsTarget.Parse($"postgres://{http.Target}"), new ProbeOptions { Trust = fixture.Trust, Timeout = TimeSpan.FromSeconds(10) }, default);

        Assert.Equal(HandshakeFailure.StartTlsRefused, result.Failure);
        Assert.Contains("SSLRequest", result.Reason);
        Assert.Contains("0x48", result.Reason); // 'H' of the HTTP status line
    }
}
