using CertHeal.Discovery;

namespace CertHeal.Cli;

/// <summary>
/// certheal find: Find-Keystore (exit 0 when at least one store is found, 1 when none); with
/// --bypasses, Find-TlsBypass (<see cref="FindBypassesVerb"/>).
/// </summary>
internal static class FindVerb
{
    public static readonly Dictionary<string, bool> Options = new()
    {
        ["--process-id"] = true, ["--all-processes"] = false, ["--path"] = true, ["--depth"] = true, ["--json"] = false,
        ["--bypasses"] = false, ["--pid"] = true, ["--steer-to"] = true,
    };

    public static async Task<int> RunAsync(CliArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (args.Flag("--bypasses"))
        {
            return await FindBypassesVerb.RunAsync(args, stdout, stderr, cancellationToken).ConfigureAwait(false);
        }
        if (args.Positionals.Count > 0)
        {
            throw new UsageException($"find takes no positional arguments ('{args.Positionals[0]}'); use --path DIR or --process-id N.");
        }
        var pids = args.Values("--process-id").Concat(args.Values("--pid")).Select(v => int.TryParse(v, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid) && pid > 0
            ? pid : throw new UsageException($"option '{(args.Values("--pid").Contains(v) ? "--pid" : "--process-id")}' must be a process id, not '{v}'.")).ToList();
        var verbose = args.Flag("--verbose");
        var found = KeystoreFinder.Find(new FindOptions
        {
            ProcessIds = pids,
            AllProcesses = args.Flag("--all-processes"),
            Paths = args.Values("--path").Select(p => Path.GetFullPath(p)).ToList(),
            MaxDepth = args.Int("--depth", 0, 64) ?? 6,
            SteerTo = args.Value("--steer-to") is { } steerTo ? Path.GetFullPath(steerTo) : null,
            Vocabulary = CliVocabulary.Instance,
        }, verbose: line =>
        {
            if (verbose)
            {
                stderr.WriteLine("certheal: " + line);
            }
        }, cancellationToken: cancellationToken);
        if (args.Flag("--json"))
        {
            await JsonOutput.WriteAsync(stdout, found, JsonOutput.Types.IReadOnlyListKeystoreLocation).ConfigureAwait(false);
        }
        else
        {
            // The path is what the next command needs: it goes last, under its row, never cut.
            await stdout.WriteAsync(TableOutput.Format(["Kind", "Format", "Entries", "Writable", "Consumer", "Path"],
                found.Select(l => (IReadOnlyList<string>)[l.Kind.ToString(), l.Format, l.EntryCount?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?",
                    l.Writable ? "yes" : "no", string.Join("; ", l.Consumer), l.Path]), 400)).ConfigureAwait(false);
            // The switch is a command to paste: one line each, whole, after the table.
            foreach (var steering in found.SelectMany(l => l.Steering).Distinct())
            {
                await stdout.WriteLineAsync($"steer process {steering.ProcessId} ({steering.Runtime}): {(steering.Kind == SteeringKind.None ? "nothing to switch. " + steering.Reason : steering.Command)}")
                    .ConfigureAwait(false);
            }
        }
        return found.Count > 0 ? CliApp.Success : CliApp.CheckFailed;
    }
}
