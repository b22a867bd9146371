using CertHeal.Healing;
using CertHeal.Keystores;

namespace CertHeal.Cli;

/// <summary>certheal request: Invoke-HealedRequest. Exit 0 on a 2xx/3xx answer, 1 when the heal was refused or the answer is an error.</summary>
internal static class RequestVerb
{
    public static readonly Dictionary<string, bool> Options = ConnectionOptions.With(new()
    {
        ["--method"] = true, ["--keystore"] = true, ["--format"] = true, ["--password"] = true, ["--password-file"] = true, ["--password-env"] = true,
        ["--policy"] = true, ["--trusted-fingerprint"] = true, ["--renew-before"] = true, ["--timeout"] = true, ["--force"] = false,
        ["--what-if"] = false, ["--json"] = false, ["--out"] = true, ["--user-agent"] = true, [RevocationOption.Name] = true,
    });

    public static async Task<int> RunAsync(CliArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (args.Positionals.Count != 1 || !Uri.TryCreate(args.Positionals[0], UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
        {
            throw new UsageException("request needs exactly one https:// URL.");
        }
        using var password = PasswordOption.Read(args);
        var policy = MergeVerb.Parse<TrustPolicy>(args.Value("--policy"), "--policy", "ChainToTrusted, Pinned or TrustOnFirstUse") ?? TrustPolicy.ChainToTrusted;
        var options = new HealingOptions
        {
            KeystorePath = KeystoreFormats.FullPath(args.Value("--keystore") ?? KeystoreMerger.DefaultKeystorePath()),
            Format = MergeVerb.Parse<KeystoreFormat>(args.Value("--format"), "--format", MergeVerb.FormatChoices),
            Password = password,
            Policy = policy,
            TrustedFingerprints = args.Values("--trusted-fingerprint"),
            ApproveAnchor = args.Flag("--force") || policy == TrustPolicy.Pinned ? null : _ => false,
            RenewBeforeDays = args.Int("--renew-before", 0, 3650) ?? 0,
            Revocation = RevocationOption.Read(args),
            Timeout = TimeSpan.FromSeconds(args.Int("--timeout", 1, 600) ?? 30),
            Connector = ConnectionOptions.Connector(args),
            ClientCertificate = ConnectionOptions.ClientCertificate(args),
            ClientCertificatePath = ConnectionOptions.ClientCertificatePath(args),
            Vocabulary = CliVocabulary.Instance,
            Recorder = new Trust.LedgerRecorder(Trust.TrustLedger.DefaultPath()),
        };
        if (args.Value("--keystore") is null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(options.KeystorePath)!);
        }
        var spec = new RequestSpec
        {
            Uri = uri,
            Method = args.Value("--method") ?? "GET",
            UserAgent = args.Value("--user-agent"),
            // As Invoke-HealedRequest -OutFile: the body's bytes, not written for an error status.
            OutFile = args.Value("--out") is { } outFile ? Path.GetFullPath(outFile) : null,
        };
        HealedResponse response;
        try
        {
            response = args.Flag("--what-if")
                ? await HealedRequest.DiagnoseAsync(spec, options, cancellationToken).ConfigureAwait(false)
                : await HealedRequest.SendAsync(spec, options, cancellationToken).ConfigureAwait(false);
        }
        catch (HealingException e)
        {
            await stderr.WriteLineAsync("certheal: " + e.Message).ConfigureAwait(false);
            return CliApp.CheckFailed;
        }
        catch (HttpRequestException e)
        {
            await stderr.WriteLineAsync($"certheal: the request to {uri} failed: {e.Message}").ConfigureAwait(false);
            return CliApp.CheckFailed;
        }
        if (args.Flag("--json"))
        {
            await JsonOutput.WriteOneAsync(stdout, response, JsonOutput.Types.HealedResponse).ConfigureAwait(false);
        }
        else
        {
            foreach (var step in response.Steps)
            {
                await stdout.WriteLineAsync($"{step.Name,-10} {step.Duration.TotalMilliseconds,6:0} ms  {step.Detail}").ConfigureAwait(false);
            }
            if (!args.Flag("--what-if"))
            {
                await stdout.WriteLineAsync($"HTTP {response.StatusCode}{(response.Healed ? " (healed)" : "")}").ConfigureAwait(false);
                if (response.OutFile is null)
                {
                    await stdout.WriteAsync(response.Content).ConfigureAwait(false);
                }
            }
        }
        return args.Flag("--what-if") || response.StatusCode is >= 200 and < 400 ? CliApp.Success : CliApp.CheckFailed;
    }
}
