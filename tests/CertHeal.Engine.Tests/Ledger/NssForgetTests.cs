using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using CertHeal.Handshake;
using CertHeal.Keystores;
using CertHeal.Lab;
using CertHeal.Tests.Keystores;
using CertHeal.Trust;

namespace CertHeal.Tests.Ledger;

/// <summary>
/// Forget where it meets NSS: a lab root healed into a database certutil made is forgotten through
/// its `sql:DIR` path, from the ledger (no store named) and from the real CLI with --keystore;
/// certutil no longer lists it, tstclnt refuses the lab server again, a TrustOnFirstUse merge
/// leaves it out, and the upgrade hook's sync (which re-applies a wiped root to the database
/// the ledger recorded) does not bring it back.
/// </summary>
public sealed class NssForgetTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("certheal-nssforget-").FullName;
    private readonly LabHierarchy _lab = LabHierarchy.Create("Nss Forget Lab");

    private X509Certificate2 Root => X509CertificateLoader.LoadCertificate(_lab.Root.RawData);
    private X509Certificate2 Intermediate => X509CertificateLoader.LoadCertificate(_lab.Intermediate.RawData);
    private string RootFingerprint => CertificateFacts.Sha256Fingerprint(Root);

    private MergeOptions Healing(string ledger, TrustPolicy policy = TrustPolicy.Pinned) => new()
    {
        Policy = policy,
        TrustedFingerprints = policy == TrustPolicy.Pinned ? [RootFingerprint] : [],
        Revocation = RevocationCheckMode.Off,
        Recorder = new LedgerRecorder(ledger),
    };

    [SkippableFact]
    public async Task A_root_healed_into_an_NSS_database_is_forgotten_from_the_ledger_and_tstclnt_TOFU_and_certutil_agree()
    {
        Skip.IfNot(NssTestKit.Available, NssTestKit.Missing);
        var db = await NssTestKit.NewDatabase(_folder);
        var ledger = Path.Combine(_folder, "ledger.json");
        var leaf = _lab.IssueLeaf(new LeafSpec());
        await using var server = await OpenSslServer.StartAsync(_folder, leaf, [Intermediate]);
        string[] tstclnt = ["-h", "127.0.0.1", "-p", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-d", "sql:" + db, "-a", "localhost", "-Q"];
        var healed = KeystoreMerger.Merge("sql:" + db, null, null, [Root, Intermediate], Healing(ledger), new SaveOptions());
        Assert.Equal(2, healed.Added);
        Assert.Equal("C,,", (await NssTestKit.Listing(db))[NssNickname.For(Root)]);
        var accepted = await Tools.RunAsync("tstclnt", tstclnt, stdin: "", timeoutSeconds: 30);
        Assert.True(accepted.Code == 0, accepted.Stderr);
        Assert.Contains("sql:" + db, Assert.Single(TrustLedger.Read(ledger).Entries, e => e.Sha256Fingerprint == RootFingerprint).Stores);

        // No store named: the ledger's record of the database is where it goes.
        var forgotten = LedgerForget.Forget(RootFingerprint, null, new ForgetOptions { LedgerPath = ledger, ForgottenBy = "tester@lab" });

        Assert.Empty(forgotten.Failures);
        var change = Assert.Single(forgotten.Changes);
        Assert.Equal("sql:" + db, change.Path);
        Assert.Equal("Nss", change.Format);
        Assert.True(change.Written);
        Assert.Equal(1, change.Removed);
        Assert.True(forgotten.Marked);
        var listing = await NssTestKit.Listing(db);
        Assert.DoesNotContain(NssNickname.For(Root), listing.Keys);
        Assert.Equal(",,", listing[NssNickname.For(Intermediate)]);
        Assert.DoesNotContain(RootFingerprint, await NssTestKit.Fingerprints(db));
        var refused = await Tools.RunAsync("tstclnt", tstclnt, stdin: "", timeoutSeconds: 30);
        Assert.NotEqual(0, refused.Code);
        Assert.Contains("SEC_ERROR_UNKNOWN_ISSUER", refused.Stderr, StringComparison.Ordinal);

        var tofu = KeystoreMerger.Merge("sql:" + db, null, null, [Root, Intermediate], Healing(ledger, TrustPolicy.TrustOnFirstUse), new SaveOptions());

        Assert.False(tofu.Written);
        Assert.Contains("forgotten on", Assert.Single(tofu.Entries, e => e.Sha256Fingerprint == RootFingerprint).Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(RootFingerprint, await NssTestKit.Fingerprints(db));
        // A second forget finds nothing to remove and writes nothing.
        var before = NssTestKit.Snapshot(db);
        var again = LedgerForget.Forget(RootFingerprint, null, new ForgetOptions { LedgerPath = ledger });
        Assert.False(Assert.Single(again.Changes).Written);
        Assert.Equal(before, NssTestKit.Snapshot(db));
    }

    [SkippableFact]
    public async Task The_cli_forgets_from_a_database_named_sql_DIR_what_if_first_and_a_missing_database_is_one_sentence()
    {
        Skip.IfNot(NssTestKit.Available, NssTestKit.Missing);
        var db = await NssTestKit.NewDatabase(_folder);
        var ledger = Path.Combine(_folder, "ledger.json");
        Assert.Equal(2, KeystoreMerger.Merge("sql:" + db, null, null, [Root, Intermediate], Healing(ledger), new SaveOptions()).Added);
        var before = NssTestKit.Snapshot(db);

        var (code, stdout, stderr) = await CliProcess.RunAsync(["forget", "--fingerprint", RootFingerprint, "--keystore", "sql:" + db, "--ledger", ledger, "--what-if", "--json"]);

        Assert.True(code == 0, stderr);
        Assert.True(JsonDocument.Parse(stdout).RootElement.GetProperty("Changed").GetBoolean());
        Assert.Equal(before, NssTestKit.Snapshot(db));

        (code, stdout, stderr) = await CliProcess.RunAsync(["forget", "--fingerprint", RootFingerprint, "--keystore", "sql:" + db, "--ledger", ledger, "--json"]);

        Assert.True(code == 0, stderr);
        var change = Assert.Single(JsonDocument.Parse(stdout).RootElement.GetProperty("Changes").EnumerateArray());
        Assert.Equal("sql:" + db, change.GetProperty("Path").GetString());
        Assert.Equal(1, change.GetProperty("Removed").GetInt32());
        Assert.DoesNotContain(NssNickname.For(Root), (await NssTestKit.Listing(db)).Keys);

        var missing = Path.Combine(_folder, "no-such-db");
        (code, _, stderr) = await CliProcess.RunAsync(["forget", "--fingerprint", RootFingerprint, "--keystore", "sql:" + missing, "--ledger", ledger]);

        Assert.Equal(2, code);
        Assert.Contains($"'sql:{missing}' does not exist", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(missing));
    }

    [SkippableFact]
    public async Task The_hook_sync_puts_a_wiped_root_back_into_the_NSS_database_the_ledger_recorded_but_not_a_forgotten_one()
    {
        Skip.IfNot(NssTestKit.Available, NssTestKit.Missing);
        Skip.IfNot(OperatingSystem.IsLinux() && Environment.UserName == "root", "a hook applies only a ledger root owns");
        // The hook applies no ledger a user could write, so this one lives where only root writes (not /tmp).
        var ledgerFolder = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "nss-hook-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        try
        {
            var ledger = Path.Combine(ledgerFolder, "ledger.json");
            var db = await NssTestKit.NewDatabase(_folder);
            Assert.Equal(2, KeystoreMerger.Merge("sql:" + db, null, null, [Root, Intermediate], Healing(ledger), new SaveOptions()).Added);
            var unsafeReason = SystemLedger.UnsafeReason(ledger);
            Skip.If(unsafeReason is not null, $"this checkout is not a root-only path: {unsafeReason}");
            // The wipe: a browser profile reset or a package that recreates the database.
            var deleted = await Tools.RunAsync("certutil", ["-D", "-d", "sql:" + db, "-n", NssNickname.For(Root)]);
            Assert.True(deleted.Code == 0, deleted.Stderr);

            var (code, stdout, stderr) = await HookSyncAsync(ledger);

            Assert.True(code == 0, stderr);
            Assert.Contains(JsonDocument.Parse(stdout).RootElement.GetProperty("Log").EnumerateArray(), l => l.GetString()!.Contains($"re-applied 1 ledger entries to 'sql:{db}'", StringComparison.Ordinal));
            Assert.Equal("C,,", (await NssTestKit.Listing(db))[NssNickname.For(Root)]);

            LedgerForget.Forget(RootFingerprint, null, new ForgetOptions { LedgerPath = ledger });
            Assert.DoesNotContain(NssNickname.For(Root), (await NssTestKit.Listing(db)).Keys);
            (code, _, stderr) = await HookSyncAsync(ledger);

            Assert.True(code == 0, stderr);
            Assert.DoesNotContain(NssNickname.For(Root), (await NssTestKit.Listing(db)).Keys);
        }
        finally
        {
            Directory.Delete(ledgerFolder, recursive: true);
        }
    }

    private Task<(int Code, string Stdout, string Stderr)> HookSyncAsync(string ledger) =>
        Tools.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "certheal.dll"), "sync", "--hook", "--ledger", ledger, "--json"],
            environment: new Dictionary<string, string> { ["CERTHEAL_SYSTEM_ROOT"] = _folder, ["CERTHEAL_SYSLOG_SOCKET"] = Path.Combine(_folder, "no-syslog") });

    public void Dispose()
    {
        _lab.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
