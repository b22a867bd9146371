using System.Globalization;
using CertHeal.Discovery;

namespace CertHeal.Cli;

/// <summary>
/// certheal find --bypasses: Find-TlsBypass. Like a failed check, exit 1 when validation is
/// switched off somewhere, 0 when nowhere; 2 for bad input (a path that does not exist, a
/// process that is not running), checked before anything is scanned.
/// </summary>
internal static class FindBypassesVerb
{
    public static async Task<int> RunAsync(CliArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (args.Positionals.Count > 0)
        {
            throw new UsageException($"find --bypasses takes no positional arguments ('{args.Positionals[0]}'); use --path DIR or --pid N.");
        }
        var pids = new List<int>();
        foreach (var (option, value) in args.Values("--pid").Select(v => ("--pid", v)).Concat(args.Values("--process-id").Select(v => ("--process-id", v))))
        {
            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0)
            {
                throw new UsageException($"option '{option}' must be a process id, not '{value}'.");
            }
            if (!TlsBypassScanner.IsRunning(pid))
            {
                throw new UsageException($"no process with id {pid} is running; check the id, or use --all-processes.");
            }
            pids.Add(pid);
        }
        var paths = args.Values("--path").Select(p => Path.GetFullPath(p)).ToList();
        if (paths.FirstOrDefault(p => !File.Exists(p) && !Directory.Exists(p)) is { } missing)
        {
            throw new UsageException($"the path '{missing}' does not exist; check --path.");
        }
        var verbose = args.Flag("--verbose");
        var found = TlsBypassScanner.Scan(new BypassScanOptions
        {
            ProcessIds = pids,
            AllProcesses = args.Flag("--all-processes"),
            Paths = paths,
            MaxDepth = args.Int("--depth", 0, 64) ?? 6,
            Vocabulary = CliVocabulary.Instance,
        }, verbose: line =>
        {
            if (verbose)
            {
                stderr.WriteLine("certheal: " + line);
            }
        }, cancellationToken: cancellationToken).ToList();
        if (args.Flag("--json"))
        {
            await JsonOutput.WriteAsync(stdout, found, JsonOutput.Types.IReadOnlyListTlsBypass).ConfigureAwait(false);
        }
        else
        {
            // The heal names the file and line (or process) and is what the next command needs: it goes last, under its row, never cut.
            await stdout.WriteAsync(TableOutput.Format(["Client", "Setting", "Endpoint", "Heal"],
                found.Select(b => (IReadOnlyList<string>)[b.Client, b.Setting, b.Endpoint ?? "-", b.Recommendation]), 2000)).ConfigureAwait(false);
        }
        return found.Count > 0 ? CliApp.CheckFailed : CliApp.Success;
    }
}
