using CertHeal.Chains;
using CertHeal.Keystores;

namespace CertHeal.Cli;

/// <summary>
/// certheal merge: Merge-Keystore for shells. `-` reads PEM from stdin, so
/// `certheal chain host --out - | certheal merge store.jks -` works like the cmdlet pipeline.
/// There is no prompt: new trust anchors need --force. Exit 1 when the policy refused something.
/// </summary>
internal static class MergeVerb
{
    /// <summary>The --format values every verb that opens a keystore accepts, for its error sentence.</summary>
    internal const string FormatChoices = "PemBundle, Der, Pkcs12, Jks, Directory or Nss";

    public static readonly Dictionary<string, bool> Options = new()
    {
        ["--format"] = true, ["--password"] = true, ["--password-file"] = true, ["--password-env"] = true,
        ["--policy"] = true, ["--trusted-fingerprint"] = true, ["--remove-superseded"] = false, ["--remove-distrusted"] = false, ["--force"] = false,
        ["--what-if"] = false, ["--json"] = false, ["--uri"] = true, ["--approval-command"] = true,
        ["--ledger"] = true, ["--skip-validation"] = false, [RevocationOption.Name] = true,
        ["--pkcs12-encryption"] = true,
    };

    public static async Task<int> RunAsync(CliArguments args, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        // --remove-distrusted alone cleans a store: no certificate file is needed then.
        if (args.Positionals.Count < (args.Flag("--remove-distrusted") ? 1 : 2))
        {
            throw new UsageException("merge needs a keystore and at least one certificate file (or - for PEM on stdin), or --remove-distrusted.");
        }
        // A Cert:\ path names a Windows certificate store, not a file under the current folder.
        var path = Keystores.KeystoreFormats.FullPath(args.Positionals[0]);
        var incoming = new List<System.Security.Cryptography.X509Certificates.X509Certificate2>();
        foreach (var source in args.Positionals.Skip(1))
        {
            incoming.AddRange(source == "-"
                ? CertificateInput.FromBytes(System.Text.Encoding.ASCII.GetBytes(await stdin.ReadToEndAsync(cancellationToken).ConfigureAwait(false)), "Standard input")
                : CertificateInput.FromFile(Path.GetFullPath(source)));
        }
        var policy = Parse<TrustPolicy>(args.Value("--policy"), "--policy", "ChainToTrusted, Pinned or TrustOnFirstUse") ?? TrustPolicy.ChainToTrusted;
        using var password = PasswordOption.Read(args);
        var options = new MergeOptions
        {
            Policy = policy,
            Vocabulary = CliVocabulary.Instance,
            Revocation = RevocationOption.Read(args),
            TrustedFingerprints = args.Values("--trusted-fingerprint"),
            RemoveSuperseded = args.Flag("--remove-superseded"),
            RemoveDistrusted = args.Flag("--remove-distrusted"),
            Recorder = new Trust.LedgerRecorder(Path.GetFullPath(args.Value("--ledger") ?? Trust.TrustLedger.DefaultPath()), null,
                string.Join(", ", args.Positionals.Skip(1).Select(s => s == "-" ? "standard input" : "file " + Path.GetFullPath(s)))),
            Pkcs12Encryption = Parse<Pkcs12Encryption>(args.Value("--pkcs12-encryption"), "--pkcs12-encryption", "Aes or Legacy"),
        };
        var endpoints = args.Values("--uri").Select(u => Handshake.TlsTarget.TryParse(u, null, null, out var t, out var error) ? t : throw new UsageException(error)).ToList();
        // A bundle from `certheal chain --out` names the endpoints it came from: validate against them too.
        foreach (var named in args.Flag("--skip-validation") ? [] : incoming.SelectMany(BundleEndpoints.Of))
        {
            if (!endpoints.Any(e => e.Display == named.Display && e.ServerName == named.ServerName))
            {
                endpoints.Add(named);
            }
        }
        if (args.Flag("--skip-validation"))
        {
            endpoints.Clear();
        }
        var format = Parse<KeystoreFormat>(args.Value("--format"), "--format", MergeVerb.FormatChoices);
        var whatIf = args.Flag("--what-if");
        var command = args.Value("--approval-command");
        var save = new SaveOptions { WhatIf = whatIf, Cancellation = cancellationToken };
        KeystoreChange change;
        if (command is null || whatIf)
        {
            // Nobody is asked (--what-if never runs the approval command): --force approves every anchor
            // the policy allows, and without it none is approved. The answers are known before the store
            // is read, so one pass under the lock decides and writes; a plan would read and judge it twice.
            var approveAll = args.Flag("--force") && command is null;
            change = KeystoreMerger.Merge(path, format, password, incoming,
                options.WithApproval(approveAll ? null : _ => false, ConsentSource.ApprovedByCommand), save, endpoints);
        }
        else
        {
            // Plan without the lock, run the approval command with no lock held (it may wait minutes on a
            // person, where other writers give up after 30 s), then commit with the approvals.
            var plan = KeystoreMerger.Plan(path, format, password, incoming, options, cancellationToken);
            var approved = await ApprovalCommand.ApproveAsync(plan.NeedsApproval, command, args.Flag("--force"), cancellationToken).ConfigureAwait(false);
            change = KeystoreMerger.Commit(plan, approved, save, endpoints, ConsentSource.ApprovedByCommand);
        }
        foreach (var warning in change.Warnings)
        {
            await stderr.WriteLineAsync("certheal: warning: " + warning).ConfigureAwait(false);
        }
        if (args.Flag("--json"))
        {
            await JsonOutput.WriteOneAsync(stdout, change, JsonOutput.Types.KeystoreChange).ConfigureAwait(false);
        }
        else
        {
            await stdout.WriteLineAsync($"{change.Path} ({change.Format}, {change.Policy}): {change.Added} added, {change.Replaced} replaced, {change.Unchanged} unchanged, {change.Skipped} skipped{(change.Removed > 0 ? $", {change.Removed} removed" : "")}; {(change.Written ? "written, previous version in " + (change.BackupPath ?? "(new file)") : change.Changed ? "would be written (--what-if)" : change.WhatIf ? "nothing written (--what-if)" : "nothing written")}.").ConfigureAwait(false);
            await stdout.WriteAsync(TableOutput.Format(["Action", "Alias", "Subject", "Reason"],
                change.Entries.Select(e => (IReadOnlyList<string>)[e.Action.ToString(), e.Alias ?? "", e.Subject, e.Reason]), 300)).ConfigureAwait(false);
        }
        return change.Entries.Any(e => e.Refused) ? CliApp.CheckFailed : CliApp.Success;
    }

    internal static T? Parse<T>(string? value, string option, string choices) where T : struct, Enum =>
        value is null ? null
        : Enum.TryParse<T>(value, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) ? parsed
        : throw new UsageException($"option '{option}' must be {choices}, not '{value}'.");
}

/// <summary>The three password forms every keystore verb takes; --password is visible in process lists.</summary>
internal static class PasswordOption
{
    public static KeystorePassword? Read(CliArguments args)
    {
        var given = new[] { "--password", "--password-file", "--password-env" }.Count(o => args.Value(o) is not null);
        if (given > 1)
        {
            throw new UsageException("give the keystore password once: --password, --password-file or --password-env.");
        }
        try
        {
            return args.Value("--password") is { } p ? KeystorePassword.FromString(p)
                : args.Value("--password-file") is { } f ? KeystorePassword.FromFile(f)
                : args.Value("--password-env") is { } v ? KeystorePassword.FromEnvironment(v)
                : null;
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
    }
}

/// <summary>
/// --approval-command: the runbook hook that asks a ticketing system or a person. It runs once
/// per new trust anchor with CERTHEAL_SHA256 set to its fingerprint; exit code 0 approves.
/// Without it, only --force approves.
/// </summary>
internal static class ApprovalCommand
{
    /// <summary>The approved fingerprints; null approves every anchor the policy allows (--force without a command).</summary>
    public static async Task<IReadOnlyCollection<string>?> ApproveAsync(IReadOnlyList<KeystoreChangeEntry> anchors, string? command, bool force,
        CancellationToken cancellationToken)
    {
        if (command is null)
        {
            return force ? null : [];
        }
        var approved = new List<string>();
        foreach (var anchor in anchors)
        {
            if (await RunAsync(command, anchor.Sha256Fingerprint, cancellationToken).ConfigureAwait(false))
            {
                approved.Add(anchor.Sha256Fingerprint);
            }
        }
        return approved;
    }

    private static async Task<bool> RunAsync(string command, string fingerprint, CancellationToken cancellationToken)
    {
        var info = new System.Diagnostics.ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command);
        info.Environment["CERTHEAL_SHA256"] = fingerprint;
        using var process = System.Diagnostics.Process.Start(info)!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            return false;
        }
        return process.ExitCode == 0;
    }
}
