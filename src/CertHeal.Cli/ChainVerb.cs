using System.Globalization;
using CertHeal.Chains;
using CertHeal.Handshake;
using CertHeal.Keystores;

namespace CertHeal.Cli;

/// <summary>certheal chain: Get-ServerCertificateChain; `--out -` prints the PEM bundle for `certheal merge ... -`.</summary>
internal static class ChainVerb
{
    public static readonly Dictionary<string, bool> Options = ConnectionOptions.With(new()
    {
        ["--port"] = true, ["--sni"] = true, ["--timeout"] = true, ["--protocol"] = true, ["--out"] = true, ["--no-aia"] = false,
        ["--keystore"] = true, ["--throttle"] = true,
        ["--password"] = true, ["--password-file"] = true, ["--password-env"] = true, ["--json"] = false, [RevocationOption.Name] = true,
    });

    public static async Task<int> RunAsync(CliArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var connector = ConnectionOptions.Connector(args);
        var targets = await ConnectionOptions.TargetsAsync(args, TestVerb.ParseTargets(args, "chain"), connector, cancellationToken).ConfigureAwait(false);
        var keystore = args.Value("--keystore");
        using var keystorePassword = PasswordOption.Read(args);
        using var aia = args.Flag("--no-aia") ? null : new AiaFetcher();
        var options = new ChainOptions
        {
            Probe = new ProbeOptions
            {
                Revocation = RevocationOption.Read(args),
                Timeout = TimeSpan.FromSeconds(args.Int("--timeout", 1, 600) ?? 10),
                Trust = keystore is null ? null : TrustStoreLoader.Load(keystore, keystorePassword),
                Connector = connector,
                Protocol = args.Value("--protocol") is { } protocol
                    ? TlsProtocols.TryParse(protocol, out var value) ? value : throw new UsageException($"'{protocol}' is not a TLS version; use Tls10 (or Tls), Tls11, Tls12 or Tls13.")
                    : null,
                ClientCertificate = ConnectionOptions.ClientCertificate(args),
                ClientCertificatePath = ConnectionOptions.ClientCertificatePath(args),
                Vocabulary = CliVocabulary.Instance,
            },
            Aia = aia,
        };
        var reports = new List<ChainReport>();
        await foreach (var report in ChainCollector.Run(targets, options, args.Int("--throttle", 1, 1024) ?? 32, cancellationToken).ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            reports.Add(report);
        }
        reports = reports.OrderBy(r => targets.FindIndex(t => t.Display == r.Handshake.Target)).ToList();
        var failed = false;
        foreach (var empty in reports.Where(r => r.Certificates.Count == 0))
        {
            failed = true;
            await stderr.WriteLineAsync("certheal: " + empty.Handshake.Reason).ConfigureAwait(false);
        }
        var certificates = reports.SelectMany(r => r.Certificates).ToList();
        var paths = reports.SelectMany(r => r.Path).ToList();
        var bundle = paths.DistinctBy(c => c.Thumbprint).ToList();
        var output = args.Value("--out");
        if (output == "-")
        {
            await stdout.WriteAsync(PemBundleExport.Format(bundle, paths)).ConfigureAwait(false);
            return failed ? CliApp.CheckFailed : CliApp.Success;
        }
        if (output is not null && bundle.Count > 0)
        {
            PemBundleExport.Write(output, bundle, paths);
        }
        if (args.Flag("--json"))
        {
            await JsonOutput.WriteAsync(stdout, certificates, JsonOutput.Types.IReadOnlyListChainCertificate).ConfigureAwait(false);
        }
        else
        {
            // One table per target, like PowerShell's grouped view: the target as a heading, the
            // subject in full where it fits, the thumbprint under its row.
            foreach (var group in certificates.GroupBy(c => c.Target))
            {
                await stdout.WriteLineAsync("Target: " + group.Key).ConfigureAwait(false);
                await stdout.WriteAsync(TableOutput.Format(["Position", "Role", "Source", "Subject", "NotAfter", "Status", "Thumbprint"],
                    group.Select(c => (IReadOnlyList<string>)[
                        c.Position.ToString(CultureInfo.InvariantCulture), c.Role.ToString(), c.Source.ToString(), c.Subject,
                        c.NotAfter.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), c.Status.ToString(), c.Thumbprint,
                    ]))).ConfigureAwait(false);
            }
        }
        return failed ? CliApp.CheckFailed : CliApp.Success;
    }
}
