using System.Net.Sockets;
using System.Text;
using CertHeal.Chains;
using CertHeal.Keystores;
using CertHeal.Tests.Reliability;
using CertHeal.Trust;

namespace CertHeal.Tests.Ledger;

/// <summary>
/// Issue #20: every keystore write leaves an audit record in the ledger folder (who, where, what,
/// when, which consent) and one line in the system log; the test binds its own syslog socket.
/// </summary>
public sealed class AuditRecordTests
{
    [Fact]
    public async Task A_pinned_certheal_merge_leaves_an_audit_record_and_a_syslog_line_without_the_password()
    {
        var folder = ReliabilityKit.NewFolder("audit-pinned");
        try
        {
            var root = ReliabilityKit.Certificates("audit-pinned", 1)[0];
            var fingerprint = CertificateFacts.Sha256Fingerprint(root);
            var bundle = Path.Combine(folder, "root.pem");
            ReliabilityKit.WritePemBundle(bundle, [root]);
            var store = Path.Combine(folder, "cacerts.jks");
            var ledger = Path.Combine(folder, "ledger.json");
            using var syslog = BindSyslog(Path.Combine(folder, "log.sock"));
            var before = DateTime.UtcNow;

            var result = await ReliabilityKit.RunCliAsync(["merge", store, bundle, "--format", "Jks", "--password-env", ReliabilityKit.PasswordVariable,
                "--policy", "Pinned", "--trusted-fingerprint", fingerprint.ToLowerInvariant(), "--ledger", ledger],
                new Dictionary<string, string> { [LoggerSystemLog.SocketVariable] = syslog.Path });
            var line = await syslog.ReceiveAsync();

            Assert.True(result.Code == 0, result.Stdout + result.Stderr);
            var (file, record) = Assert.Single(LedgerAudit.ReadAll(ledger));
            Assert.NotNull(record);
            Assert.StartsWith(Path.Combine(TrustLedger.Folder(ledger), "audit", before.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture)), file);
            Assert.InRange(record.TimeUtc, before.AddSeconds(-1), DateTime.UtcNow.AddSeconds(1));
            Assert.Equal(DateTimeKind.Utc, record.TimeUtc.Kind);
            Assert.Equal(Environment.UserName, record.User);
            Assert.Equal(Environment.MachineName, record.Host);
            Assert.True(record.ProcessId > 0 && record.ProcessId != Environment.ProcessId, $"pid {record.ProcessId} is not the certheal child's");
            Assert.False(string.IsNullOrWhiteSpace(record.ProcessName));
            Assert.Equal(store, record.Store);
            Assert.Equal("Jks", record.Format);
            Assert.Equal(TrustPolicy.Pinned, record.Policy);
            Assert.Equal([ConsentSource.PinnedFingerprint], record.Consents);
            Assert.Equal([fingerprint], record.PinnedFingerprints);
            Assert.Empty(record.ApprovedFingerprints);
            var entry = Assert.Single(record.Entries);
            using var password = KeystorePassword.FromString(ReliabilityKit.Password);
            var written = Assert.Single(KeystoreFile.Open(store, null, password).TrustedEntries);
            Assert.Equal(KeystoreChangeAction.Added, entry.Action);
            Assert.Equal(written.Alias, entry.Alias);
            Assert.Equal(fingerprint, entry.Sha256Fingerprint);
            Assert.Equal(root.Subject, entry.Subject);
            Assert.Equal(ConsentSource.PinnedFingerprint, entry.Consent);
            Assert.Equal(fingerprint, entry.ConsentFingerprint);
            // Typed on disk by name, so an auditor's grep and a later enum member both work.
            var text = File.ReadAllText(file);
            Assert.Contains("\"PinnedFingerprint\"", text);

            Assert.Contains($"{LoggerSystemLog.Tag}:", line);
            Assert.Contains($"store=\"{store}\"", line);
            Assert.Contains("added=1", line);
            Assert.Contains("policy=Pinned consent=PinnedFingerprint", line);
            Assert.Contains("pinned=SHA-256:" + fingerprint, line);
            Assert.Contains($"pid={record.ProcessId}", line);
            Assert.Contains($"audit=\"{file}\"", line);
            Assert.DoesNotContain(ReliabilityKit.Password, line);
            Assert.DoesNotContain(ReliabilityKit.Password, text);
            Assert.DoesNotContain("PRIVATE", text);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_merge_whose_system_log_fails_still_succeeds_and_keeps_its_audit_record()
    {
        var folder = ReliabilityKit.NewFolder("audit-nolog");
        try
        {
            var certificates = ReliabilityKit.Certificates("audit-nolog", 2);
            var bundle = Path.Combine(folder, "roots.pem");
            ReliabilityKit.WritePemBundle(bundle, certificates);
            var store = Path.Combine(folder, "bundle.pem");
            var ledger = Path.Combine(folder, "ledger.json");

            var result = await ReliabilityKit.RunCliAsync(["merge", store, bundle, "--policy", "TrustOnFirstUse", "--force", "--ledger", ledger],
                new Dictionary<string, string> { [LoggerSystemLog.SocketVariable] = Path.Combine(folder, "nobody-listens.sock") });

            Assert.True(result.Code == 0, result.Stdout + result.Stderr);
            Assert.DoesNotContain("warning", result.Stderr);
            var record = Assert.Single(LedgerAudit.ReadAll(ledger)).Record;
            Assert.NotNull(record);
            Assert.Equal([ConsentSource.Forced], record.Consents);
            Assert.Equal(ReliabilityKit.Fingerprints(certificates), record.ApprovedFingerprints.Order(StringComparer.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void An_approval_hook_a_removal_and_an_unchanged_merge_are_audited_as_what_they_are()
    {
        var folder = ReliabilityKit.NewFolder("audit-kinds");
        try
        {
            var roots = ReliabilityKit.Certificates("audit-kinds", 2);
            var store = Path.Combine(folder, "bundle.pem");
            var ledger = Path.Combine(folder, "ledger.json");
            var lines = new List<string>();
            var options = new MergeOptions
            {
                Policy = TrustPolicy.TrustOnFirstUse,
                Recorder = new LedgerRecorder(ledger) { SystemLog = new CapturedSystemLog(lines) },
            };
            var approved = CertificateFacts.Sha256Fingerprint(roots[0]);

            var plan = KeystoreMerger.Plan(store, null, null, roots, options, CancellationToken.None);
            var change = KeystoreMerger.Commit(plan, [approved], new SaveOptions(), null, ConsentSource.ApprovedByCommand);
            var again = KeystoreMerger.Commit(KeystoreMerger.Plan(store, null, null, roots[..1], options, CancellationToken.None), [approved], new SaveOptions(), null, ConsentSource.ApprovedByCommand);

            Assert.All(plan.Change.Entries, e => Assert.Null(e.ApprovedBy));
            Assert.True(change.Written);
            Assert.False(again.Written);
            var record = Assert.Single(LedgerAudit.ReadAll(ledger)).Record; // nothing written, nothing audited
            Assert.NotNull(record);
            Assert.Equal([ConsentSource.ApprovedByCommand], record.Consents);
            Assert.Equal([approved], record.ApprovedFingerprints);
            Assert.Equal(approved, Assert.Single(record.Entries).ConsentFingerprint);
            Assert.Equal(TrustPolicy.TrustOnFirstUse, record.Policy);
            var line = Assert.Single(lines);
            Assert.Contains("consent=ApprovedByCommand approved=SHA-256:" + approved, line);
            Assert.DoesNotContain('\n', line);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void The_syslog_line_is_one_bounded_line_whatever_the_store_path_holds()
    {
        var record = new AuditRecord
        {
            Store = "/tmp/evil\nJan  1 00:00:00 host sshd: accepted\"" + new string('x', 2000),
            Format = "PemBundle",
            PinnedFingerprints = [.. Enumerable.Range(0, 9).Select(i => new string((char)('A' + i), 64))],
            Consents = [ConsentSource.PinnedFingerprint],
        };

        var line = AuditLine.Of(record, null);

        Assert.DoesNotContain('\n', line);
        Assert.True(line.Length <= AuditLine.MaxLength, $"{line.Length} characters");
        Assert.StartsWith("keystore written: store=\"/tmp/evil?Jan", line);
    }

    private sealed class CapturedSystemLog(List<string> lines) : ISystemLog
    {
        public void Write(string line) => lines.Add(line);
    }

    /// <summary>A unix datagram socket standing in for /dev/log.</summary>
    private static SyslogSocket BindSyslog(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        return new SyslogSocket(socket, path);
    }

    private sealed class SyslogSocket(Socket socket, string path) : IDisposable
    {
        public string Path { get; } = path;

        public async Task<string> ReceiveAsync()
        {
            var buffer = new byte[8192];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var received = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            return Encoding.UTF8.GetString(buffer, 0, received);
        }

        public void Dispose() => socket.Dispose();
    }

    [Fact]
    public void On_Windows_the_line_goes_to_the_Application_event_log_as_one_bounded_argument()
    {
        // eventcreate.exe cannot run here; what it is handed is what decides injection and length.
        var hostile = "merge of C:\\x\" /T ERROR /D owned" + new string('x', 2000);
        var arguments = EventLogSystemLog.Arguments(hostile);
        Assert.Equal(["/T", "INFORMATION", "/ID", "100", "/L", "APPLICATION", "/SO", "CertHeal", "/D"], arguments[..^1]);
        Assert.Equal(hostile[..EventLogSystemLog.MaxDescription], arguments[^1]);
        Assert.Equal(["-t", "certheal", "-p", "auth.notice", "--", "-looks like an option"], LoggerSystemLog.Arguments("-looks like an option", null));
    }
}
