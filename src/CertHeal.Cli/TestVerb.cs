using System.Globalization;
using CertHeal.Handshake;
using CertHeal.Keystores;

namespace CertHeal.Cli;

/// <summary>certheal test: Test-TlsHandshake for shells without PowerShell.</summary>
internal static class TestVerb
{
    public static readonly Dictionary<string, bool> Options = ConnectionOptions.With(new()
    {
        ["--port"] = true, ["--sni"] = true, ["--timeout"] = true, ["--protocol"] = true,
        ["--keystore"] = true, ["--throttle"] = true,
        ["--password"] = true, ["--password-file"] = true, ["--password-env"] = true, ["--json"] = false, ["--no-aia"] = false, [RevocationOption.Name] = true,
    });

    /// <summary>Targets from the positional arguments, with --port and --sni applied; a bad one is a usage error.</summary>
    public static List<TlsTarget> ParseTargets(CliArguments args, string verb)
    {
        if (args.Positionals.Count == 0)
        {
            throw new UsageException($"{verb} needs at least one target (host, host:port or https://host:port/path).");
        }
        var port = args.Int("--port", 1, 65535);
        return args.Positionals.Select(t => TlsTarget.TryParse(t, port, args.Value("--sni"), out var target, out var error)
            ? target : throw new UsageException(error)).ToList();
    }

    public static async Task<int> RunAsync(CliArguments args, TextWriter stdout, CancellationToken cancellationToken)
    {
        var connector = ConnectionOptions.Connector(args);
        var targets = await ConnectionOptions.TargetsAsync(args, ParseTargets(args, "test"), connector, cancellationToken).ConfigureAwait(false);
        var protocols = args.Values("--protocol").SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Select(p => TlsProtocols.TryParse(p, out var value)
                ? (TlsProtocol?)value
                : throw new UsageException($"'{p}' is not a TLS version; use Tls10 (or Tls), Tls11, Tls12 or Tls13.")).ToList();
        var keystore = args.Value("--keystore");
        using var keystorePassword = PasswordOption.Read(args);
        using var aia = args.Flag("--no-aia") ? null : new Chains.AiaFetcher();
        var options = new ProbeOptions
        {
            Timeout = TimeSpan.FromSeconds(args.Int("--timeout", 1, 600) ?? 10),
            Trust = keystore is null ? null : TrustStoreLoader.Load(keystore, keystorePassword),
            Aia = aia,
            Connector = connector,
            ClientCertificate = ConnectionOptions.ClientCertificate(args),
            ClientCertificatePath = ConnectionOptions.ClientCertificatePath(args),
            Vocabulary = CliVocabulary.Instance,
            Revocation = RevocationOption.Read(args),
        };

        // Results are written as they complete (completion order, not input order), so a run over
        // 10,000 targets shows progress at once and holds no result after it is printed.
        var json = args.Flag("--json");
        var table = new TableOutput.Stream(["Target", "Succeeded", "Failure", "Protocol", "HandshakeTime", "Reason"],
            [targets.Max(t => t.Display.Length), 9, 25, 8, 13]);
        await stdout.WriteAsync(json ? "[" : table.Header()).ConfigureAwait(false);
        var first = true;
        var allSucceeded = true;
        var allAddresses = args.Flag("--all-addresses");
        var reader = ProbeBatch.Run(targets, options, args.Int("--throttle", 1, 1024) ?? 32, cancellationToken, protocols);
        await foreach (var result in reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            allSucceeded &= result.Succeeded;
            await stdout.WriteAsync(json
                ? (first ? "\n" : ",\n") + System.Text.Json.JsonSerializer.Serialize(result, JsonOutput.Types.HandshakeResult)
                : table.Row([
                    allAddresses && result.Address is not null ? $"{result.Target} ({result.Address})" : result.Target, result.Succeeded.ToString(), result.Failure.ToString(), result.Protocol ?? result.RequestedProtocol?.ToString() ?? "",
                    result.HandshakeTime.TotalMilliseconds.ToString("0 'ms'", CultureInfo.InvariantCulture), result.Reason,
                ])).ConfigureAwait(false);
            first = false;
            // Printed is done with: the certificates' native copies go now, not at some later
            // finalization (10,000 results kept 60 MB of them alive between collections).
            foreach (var certificate in result.PresentedChain)
            {
                certificate.Certificate?.Dispose();
            }
        }
        if (json)
        {
            await stdout.WriteLineAsync(first ? "]" : "\n]").ConfigureAwait(false);
        }
        await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
        return allSucceeded ? CliApp.Success : CliApp.CheckFailed;
    }
}
