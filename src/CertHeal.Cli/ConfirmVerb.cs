using CertHeal.Handshake;
using CertHeal.Validation;

namespace CertHeal.Cli;

/// <summary>certheal confirm: Confirm-Keystore. Exit 0 when the keystore is valid, 1 when not.</summary>
internal static class ConfirmVerb
{
    public static readonly Dictionary<string, bool> Options = ConnectionOptions.With(new()
    {
        ["--format"] = true, ["--password"] = true, ["--password-file"] = true, ["--password-env"] = true,
        ["--uri"] = true, ["--expiring-within"] = true, ["--timeout"] = true, ["--renew-before"] = true, ["--json"] = false, [RevocationOption.Name] = true,
        ["--ledger"] = true,
    });

    public static async Task<int> RunAsync(CliArguments args, TextWriter stdout, CancellationToken cancellationToken)
    {
        if (args.Positionals.Count != 1)
        {
            throw new UsageException("confirm needs exactly one keystore.");
        }
        var endpoints = args.Values("--uri").Select(u => TlsTarget.TryParse(u, null, null, out var t, out var error) ? t : throw new UsageException(error)).ToList();
        var connector = ConnectionOptions.Connector(args);
        endpoints = await ConnectionOptions.TargetsAsync(args, endpoints, connector, cancellationToken).ConfigureAwait(false);
        using var password = PasswordOption.Read(args);
        var report = await KeystoreValidator.ValidateFileAsync(args.Positionals[0],
            MergeVerb.Parse<Keystores.KeystoreFormat>(args.Value("--format"), "--format", MergeVerb.FormatChoices), password,
            new ValidationOptions
            {
                ExpiringWithinDays = args.Int("--expiring-within", 0, 36500) ?? 30,
                Revocation = RevocationOption.Read(args),
                Endpoints = endpoints,
                Timeout = TimeSpan.FromSeconds(args.Int("--timeout", 1, 600) ?? 10),
                RenewBeforeDays = args.Int("--renew-before", 0, 3650) ?? 0,
                Connector = connector,
                ClientCertificate = ConnectionOptions.ClientCertificate(args),
                ClientCertificatePath = ConnectionOptions.ClientCertificatePath(args),
                Vocabulary = CliVocabulary.Instance,
                Ledger = args.Value("--ledger") is { } ledger ? Trust.TrustLedger.Read(ledger) : null,
            }, cancellationToken).ConfigureAwait(false);
        if (args.Flag("--json"))
        {
            await JsonOutput.WriteAsync(stdout, [report], JsonOutput.Types.IReadOnlyListKeystoreReport).ConfigureAwait(false);
        }
        else
        {
            await stdout.WriteLineAsync($"{report.Path} ({report.Format}): {report.EntryCount} entries, {(report.IsValid ? "valid" : "NOT valid")}, {report.Findings.Length} findings.").ConfigureAwait(false);
            await stdout.WriteAsync(TableOutput.Format(["Severity", "Code", "Alias", "Message"],
                report.Findings.Select(f => (IReadOnlyList<string>)[f.Severity.ToString(), f.Code, f.Alias ?? "", f.Message]), 300)).ConfigureAwait(false);
        }
        return report.IsValid ? CliApp.Success : CliApp.CheckFailed;
    }
}
