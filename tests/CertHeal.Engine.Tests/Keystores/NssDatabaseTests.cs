using System.Security.Cryptography.X509Certificates;
using CertHeal.Handshake;
using CertHeal.Keystores;
using CertHeal.Lab;
using CertHeal.Validation;

namespace CertHeal.Tests.Keystores;

/// <summary>
/// NSS databases through NSS's own tools: a lab chain merged into a database certutil made is
/// listed by certutil with exactly `C,,` (root) and `,,` (intermediate); NSS's tstclnt and
/// vfychain reject the lab server before the merge and accept it after; a second merge changes
/// no byte; a password, a folder that is no database and an entry trusted only for email each get one sentence.
/// </summary>
public sealed class NssDatabaseTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("certheal-nss-").FullName;
    private readonly LabHierarchy _lab = LabHierarchy.Create("Nss Lab");

    private X509Certificate2 Root => X509CertificateLoader.LoadCertificate(_lab.Root.RawData);
    private X509Certificate2 Intermediate => X509CertificateLoader.LoadCertificate(_lab.Intermediate.RawData);

    [SkippableFact]
    public async Task A_lab_chain_goes_in_with_C_for_the_root_and_no_trust_for_the_intermediate_and_a_second_merge_writes_nothing()
    {
        Skip.IfNot(NssTestKit.Available, NssTestKit.Missing);
        var db = await NssTestKit.NewDatabase(_folder);
        var path = "sql:" + db;

        var change = KeystoreMerger.Merge(path, null, null, [Root, Intermediate], NssTestKit.Pinning(Root), new SaveOptions());

        Assert.True(change.Written);
        Assert.Equal(2, change.Added);
        Assert.Equal("Nss", change.Format);
        Assert.Equal(path, change.Path);
        var listing = await NssTestKit.Listing(db);
        Assert.Equal(2, listing.Count);
        Assert.Equal("C,,", listing[NssNickname.For(Root)]);
        Assert.Equal(",,", listing[NssNickname.For(Intermediate)]);
        Assert.Equal(listing.Keys.Order(), change.Entries.Select(e => e.Alias).Order());
        Assert.True(File.Exists(Path.Combine(db, ".certheal", "backup", "cert9.db")), "no backup of cert9.db was taken");
        if (!OperatingSystem.IsWindows())
        {
            // The backup holds key4.db: only its owner may read CertHeal's folder.
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(db, ".certheal")));
        }
        var before = NssTestKit.Snapshot(db);

        var again = KeystoreMerger.Merge(path, null, null, [Root, Intermediate], NssTestKit.Pinning(Root), new SaveOptions());

        Assert.False(again.Written);
        Assert.Equal(2, again.Unchanged);
        Assert.Equal(before, NssTestKit.Snapshot(db));
        // Read back: the root is the TLS anchor, the intermediate path material only; a bare folder holding cert9.db is the same database.
        var keystore = KeystoreFile.Open(db);
        Assert.Equal(KeystoreFormat.Nss, keystore.Format);
        Assert.Equal(_lab.Root.Thumbprint, Assert.Single(keystore.TrustedEntries).Certificate!.Thumbprint);
        var report = await KeystoreValidator.ValidateFileAsync(path, null, null, new ValidationOptions(), default);
        Assert.True(report.IsValid, string.Join("; ", report.Findings.Select(f => f.Message)));
        Assert.Equal("Nss", report.Format);
        Assert.Equal(1, report.EntryCount);
        // cert9.db named as a file: one sentence that points at the folder.
        var file = Assert.Throws<KeystoreException>(() => KeystoreFile.Open(Path.Combine(db, "cert9.db")));
        Assert.Contains("name its folder as sql:DIR", file.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Tstclnt_and_vfychain_refuse_the_lab_server_before_the_merge_and_accept_it_after()
    {
        Skip.IfNot(NssTestKit.Available, NssTestKit.Missing);
        var db = await NssTestKit.NewDatabase(_folder);
        var leaf = _lab.IssueLeaf(new LeafSpec());
        await using var server = await OpenSslServer.StartAsync(_folder, leaf, [Intermediate]);
        var leafFile = Path.Combine(_folder, "leaf.pem");
        File.WriteAllText(leafFile, leaf.ExportCertificatePem());
        var intermediateFile = Path.Combine(_folder, "intermediate.pem");
        File.WriteAllText(intermediateFile, Intermediate.ExportCertificatePem());
        // -Q: exit after the handshake; stdin is closed, so nothing waits for input.
        string[] tstclnt = ["-h", "127.0.0.1", "-p", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-d", "sql:" + db, "-a", "localhost", "-Q"];

        var refused = await Tools.RunAsync("tstclnt", tstclnt, stdin: "", timeoutSeconds: 30);
        var unverified = await Tools.RunAsync("vfychain", ["-d", "sql:" + db, "-u", "1", "-pp", "-a", leafFile, "-a", intermediateFile], timeoutSeconds: 30);

        Assert.NotEqual(0, refused.Code);
        Assert.Contains("SEC_ERROR_UNKNOWN_ISSUER", refused.Stderr, StringComparison.Ordinal);
        Assert.NotEqual(0, unverified.Code);

        var change = KeystoreMerger.Merge("sql:" + db, null, null, [Root, Intermediate], NssTestKit.Pinning(Root), new SaveOptions(),
            [TlsTarget.Parse($"127.0.0.1:{server.Port}", serverName: "localhost")]);
        Assert.True(change.Written);

        var accepted = await Tools.RunAsync("tstclnt", tstclnt, stdin: "", timeoutSeconds: 30);
        var verified = await Tools.RunAsync("vfychain", ["-d", "sql:" + db, "-u", "1", "-pp", "-a", leafFile, "-a", intermediateFile], timeoutSeconds: 30);
        // The leaf alone: NSS builds the path through the `,,` intermediate CertHeal stored.
        var leafOnly = await Tools.RunAsync("vfychain", ["-d", "sql:" + db, "-u", "1", "-pp", "-a", leafFile], timeoutSeconds: 30);

        Assert.True(accepted.Code == 0, accepted.Stderr);
        Assert.True(verified.Code == 0, verified.Stdout + verified.Stderr);
        Assert.True(leafOnly.Code == 0, leafOnly.Stdout + leafOnly.Stderr);
        var report = await KeystoreValidator.ValidateFileAsync("sql:" + db, null, null,
            new ValidationOptions { Endpoints = [TlsTarget.Parse($"127.0.0.1:{server.Port}", serverName: "localhost")] }, default);
        Assert.True(report.IsValid, string.Join("; ", report.Findings.Select(f => f.Message)));
    }

    [SkippableFact]
    public async Task A_database_with_a_password_is_refused_in_one_sentence_and_nothing_is_written()
    {
        Skip.IfNot(NssTestKit.Available, NssTestKit.Missing);
        var db = Path.Combine(_folder, "locked");
        Directory.CreateDirectory(db);
        var passwordFile = Path.Combine(_folder, "pw.txt");
        File.WriteAllText(passwordFile, "Nss-Primary-Pw-4411\n");
        var made = await Tools.RunAsync("certutil", ["-N", "-d", "sql:" + db, "-f", passwordFile]);
        Assert.True(made.Code == 0, made.Stderr);
        var before = NssTestKit.Snapshot(db);

        var e = Assert.Throws<KeystoreException>(() => KeystoreMerger.Merge("sql:" + db, null, null, [Root], NssTestKit.Pinning(Root), new SaveOptions()));

        Assert.Equal(KeystoreErrorKind.PasswordRequired, e.Kind);
        Assert.Contains("protected by a password", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Empty(await NssTestKit.Listing(db));
        Assert.Equal(before, NssTestKit.Snapshot(db));
    }

    [SkippableFact]
    public async Task A_folder_that_is_no_NSS_database_is_refused_in_one_sentence_and_left_empty()
    {
        Skip.IfNot(NssTestKit.Available, NssTestKit.Missing);
        var plain = Path.Combine(_folder, "plain");
        Directory.CreateDirectory(plain);

        var e = Assert.Throws<KeystoreException>(() => KeystoreMerger.Merge("sql:" + plain, null, null, [Root], NssTestKit.Pinning(Root), new SaveOptions()));
        var read = Assert.Throws<KeystoreException>(() => KeystoreFile.Open("sql:" + plain));

        Assert.Equal(KeystoreErrorKind.NotFound, e.Kind);
        Assert.Contains("holds no NSS database", e.Message, StringComparison.Ordinal);
        Assert.Contains("certutil -N", e.Message, StringComparison.Ordinal);
        Assert.Equal(e.Message, read.Message);
        Assert.Empty(Directory.GetFileSystemEntries(plain));
        await Task.CompletedTask;
    }

    [SkippableFact]
    public async Task An_entry_trusted_only_for_email_is_no_TLS_anchor_and_Confirm_says_so()
    {
        Skip.IfNot(NssTestKit.Available, NssTestKit.Missing);
        var db = await NssTestKit.NewDatabase(_folder);
        await NssTestKit.Add(db, Root, "Mail Only Root", ",C,");
        await NssTestKit.Add(db, Intermediate, "Client Issuer", "T,,");

        var keystore = KeystoreFile.Open("sql:" + db);
        var report = await KeystoreValidator.ValidateFileAsync("sql:" + db, null, null, new ValidationOptions(), default);

        Assert.Empty(keystore.TrustedEntries);
        Assert.Equal(2, keystore.Entries.Count);
        var finding = Assert.Single(report.Findings, f => f.Code == FindingCodes.NotTrustedForTls);
        Assert.Equal("Mail Only Root", finding.Alias);
        Assert.Equal(FindingSeverity.Info, finding.Severity);
        Assert.Contains("only for email or code signing", finding.Message, StringComparison.Ordinal);

        // Merging that root again does not pretend it is trusted now, and changes no trust CertHeal did not set.
        var before = NssTestKit.Snapshot(db);
        var change = KeystoreMerger.Merge("sql:" + db, null, null, [Root], NssTestKit.Pinning(Root), new SaveOptions());
        var skipped = Assert.Single(change.Entries);
        Assert.Equal(KeystoreChangeAction.Skipped, skipped.Action);
        Assert.Contains("not trusted for TLS servers (trust ',C,')", skipped.Reason, StringComparison.Ordinal);
        Assert.Contains($"certutil -M -n \"Mail Only Root\" -t C,C, -d sql:{db}", skipped.Reason, StringComparison.Ordinal);
        Assert.False(change.Written);
        Assert.Equal(before, NssTestKit.Snapshot(db));
        Assert.Equal(",C,", (await NssTestKit.Listing(db))["Mail Only Root"]);
    }

    [SkippableFact]
    public async Task A_root_flagged_only_as_a_trusted_peer_anchors_nothing_for_tstclnt_nor_for_CertHeal_while_a_peer_leaf_is_trusted_as_itself()
    {
        Skip.IfNot(NssTestKit.Available, NssTestKit.Missing);
        var db = await NssTestKit.NewDatabase(_folder);
        await NssTestKit.Add(db, Root, "Peer Flagged Root", "P,,");
        await NssTestKit.Add(db, Intermediate, "Lab Intermediate", ",,");
        var leaf = _lab.IssueLeaf(new LeafSpec());
        await NssTestKit.Add(db, leaf, "Pinned Leaf", "P,,");
        await using var server = await OpenSslServer.StartAsync(_folder, _lab.IssueLeaf(new LeafSpec()), [Intermediate]);
        var port = server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        // NSS's own client: P on a CA is no issuer trust, so a chain below it is refused.
        var tstclnt = await Tools.RunAsync("tstclnt", ["-h", "127.0.0.1", "-p", port, "-d", "sql:" + db, "-a", "localhost", "-Q"], stdin: "", timeoutSeconds: 30);
        var keystore = KeystoreFile.Open("sql:" + db);
        var probed = await Reliability.ReliabilityKit.RunCliAsync(["test", $"127.0.0.1:{port}", "--sni", "localhost", "--keystore", "sql:" + db]);

        Assert.NotEqual(0, tstclnt.Code);
        Assert.NotEqual(0, probed.Code);
        var trusted = Assert.Single(keystore.TrustedEntries);
        Assert.Equal("Pinned Leaf", trusted.Alias);
    }

    [SkippableFact]
    public async Task Without_certutil_the_cli_says_to_install_libnss3_tools_in_one_line_with_exit_code_2()
    {
        Skip.IfNot(NssTestKit.Available, NssTestKit.Missing);
        var db = await NssTestKit.NewDatabase(_folder);

        var result = await Reliability.ReliabilityKit.RunCliAsync(["confirm", "sql:" + db], new Dictionary<string, string> { [NssCertutil.ToolVariable] = Path.Combine(_folder, "no-certutil") });

        Assert.Equal(2, result.Code);
        Assert.Contains("install libnss3-tools", result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [SkippableFact]
    public async Task The_cli_merges_into_and_confirms_an_NSS_database_named_sql_with_json()
    {
        Skip.IfNot(NssTestKit.Available, NssTestKit.Missing);
        var db = await NssTestKit.NewDatabase(_folder);
        var bundle = Path.Combine(_folder, "chain.pem");
        File.WriteAllText(bundle, Root.ExportCertificatePem() + "\n" + Intermediate.ExportCertificatePem() + "\n");
        var environment = new Dictionary<string, string> { ["CERTHEAL_LEDGER"] = Path.Combine(_folder, "ledger.json") };

        var merged = await Reliability.ReliabilityKit.RunCliAsync(["merge", "sql:" + db, bundle, "--policy", "Pinned", "--trusted-fingerprint", CertificateFacts.Sha256Fingerprint(Root), "--json"], environment);
        var confirmed = await Reliability.ReliabilityKit.RunCliAsync(["confirm", "sql:" + db, "--json"], environment);

        Assert.True(merged.Code == 0, merged.Stderr);
        Assert.Contains("\"Nss\"", merged.Stdout, StringComparison.Ordinal);
        Assert.Equal("C,,", (await NssTestKit.Listing(db))[NssNickname.For(Root)]);
        Assert.True(confirmed.Code == 0, confirmed.Stderr);
        Assert.Contains("\"EntryCount\": 1", confirmed.Stdout, StringComparison.Ordinal);

        // Drift: the root is deleted behind CertHeal's back (a profile reset); sync puts it back from the ledger.
        var deleted = await Tools.RunAsync("certutil", ["-D", "-d", "sql:" + db, "-n", NssNickname.For(Root)]);
        Assert.True(deleted.Code == 0, deleted.Stderr);
        var synced = await Reliability.ReliabilityKit.RunCliAsync(["sync", "sql:" + db, "--json"], environment);

        Assert.True(synced.Code == 0, synced.Stderr);
        Assert.Contains("\"Changed\": true", synced.Stdout, StringComparison.Ordinal);
        Assert.Equal("C,,", (await NssTestKit.Listing(db))[NssNickname.For(Root)]);

        // The database as a probe's trust store: its C,, root is the anchor.
        await using var server = await OpenSslServer.StartAsync(_folder, _lab.IssueLeaf(new LeafSpec()), [Intermediate]);
        var probed = await Reliability.ReliabilityKit.RunCliAsync(["test", $"127.0.0.1:{server.Port}", "--sni", "localhost", "--keystore", "sql:" + db], environment);
        Assert.True(probed.Code == 0, probed.Stdout + probed.Stderr);
    }

    public void Dispose()
    {
        _lab.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
