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
        ["--keystore"] = true, ["--throttle"] = true, ["--json"] = false, ["--no-aia"] = false,
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
            .Select(p => Enum.TryParse<TlsProtocol>(p, ignoreCase: true, out var value) && Enum.IsDefined(value)
                ? (TlsProtocol?)value
                : throw new UsageException($"'{p}' is not a TLS version; use Tls, Tls11, Tls12 or Tls13.")).ToList();
        var keystore = args.Value("--keystore");
        using var aia = args.Flag("--no-aia") ? null : new Chains.AiaFetcher();
        var options = new ProbeOptions
        {
            Timeout = TimeSpan.FromSeconds(args.Int("--timeout", 1, 600) ?? 10),
            Trust = keystore is null ? null : TrustStoreLoader.Load(keystore),
            Aia = aia,
            Connector = connector,
            ClientCertificate = ConnectionOptions.ClientCertificate(args),
        };

        var results = new List<HandshakeResult>();
        var reader = ProbeBatch.Run(targets, options, args.Int("--throttle", 1, 1024) ?? 32, cancellationToken, protocols);
        await foreach (var result in reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            results.Add(result);
        }
        // Results stream in completion order; print them in the order the targets were given.
        var ordered = results.OrderBy(r => targets.FindIndex(t => t.Display == r.Target)).ThenBy(r => r.Address, StringComparer.Ordinal).ThenBy(r => r.RequestedProtocol).ToList();
        if (args.Flag("--json"))
        {
            await JsonOutput.WriteAsync(stdout, ordered).ConfigureAwait(false);
        }
        else
        {
            await stdout.WriteAsync(TableOutput.Format(
                ["Target", "Succeeded", "Failure", "Protocol", "HandshakeTime", "Reason"],
                ordered.Select(r => (IReadOnlyList<string>)[
                    args.Flag("--all-addresses") && r.Address is not null ? $"{r.Target} ({r.Address})" : r.Target, r.Succeeded.ToString(), r.Failure.ToString(), r.Protocol ?? r.RequestedProtocol?.ToString() ?? "",
                    r.HandshakeTime.TotalMilliseconds.ToString("0 'ms'", CultureInfo.InvariantCulture), r.Reason,
                ]), lastColumnMax: 400)).ConfigureAwait(false);
        }
        return ordered.All(r => r.Succeeded) ? CliApp.Success : CliApp.CheckFailed;
    }
}
