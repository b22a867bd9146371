namespace CertHeal.Cli;

/// <summary>
/// certheal: one verb per cmdlet over the same engine. Exit codes: 0 success, 1 the check
/// failed, 2 usage or input error. Errors are one line on stderr.
/// </summary>
public static class CliApp
{
    public const int Success = 0;
    public const int CheckFailed = 1;
    public const int UsageError = 2;

    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken) =>
        RunAsync(args, Console.In, stdout, stderr, cancellationToken);

    public static async Task<int> RunAsync(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        var verbose = args.Contains("--verbose");
        try
        {
            if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
            {
                await stdout.WriteAsync(Usage.Text).ConfigureAwait(false);
                return args.Length == 0 ? UsageError : Success;
            }
            if (args[0] is "--version" or "version")
            {
                await stdout.WriteLineAsync(Usage.Version).ConfigureAwait(false);
                return Success;
            }
            if (args.Skip(1).Any(a => a is "-h" or "--help"))
            {
                await stdout.WriteAsync(Usage.ForVerb(args[0]) ?? throw new UsageException($"'{args[0]}' is not a certheal verb; run 'certheal --help' for the list.")).ConfigureAwait(false);
                return Success;
            }
            var rest = args[1..];
            return args[0] switch
            {
                "test" => await TestVerb.RunAsync(CliArguments.Parse(rest, TestVerb.Options), stdout, cancel.Token).ConfigureAwait(false),
                "chain" => await ChainVerb.RunAsync(CliArguments.Parse(rest, ChainVerb.Options), stdout, stderr, cancel.Token).ConfigureAwait(false),
                "merge" => await MergeVerb.RunAsync(CliArguments.Parse(rest, MergeVerb.Options), stdin, stdout, stderr, cancel.Token).ConfigureAwait(false),
                "confirm" => await ConfirmVerb.RunAsync(CliArguments.Parse(rest, ConfirmVerb.Options), stdout, cancel.Token).ConfigureAwait(false),
                "request" => await RequestVerb.RunAsync(CliArguments.Parse(rest, RequestVerb.Options), stdout, stderr, cancel.Token).ConfigureAwait(false),
                "find" => await FindVerb.RunAsync(CliArguments.Parse(rest, FindVerb.Options), stdout, stderr, cancel.Token).ConfigureAwait(false),
                "sync" => await SyncVerb.RunAsync(CliArguments.Parse(rest, SyncVerb.Options), stdout, stderr, cancel.Token).ConfigureAwait(false),
                "forget" => await ForgetVerb.RunAsync(CliArguments.Parse(rest, ForgetVerb.Options), stdout, stderr, cancel.Token).ConfigureAwait(false),
                "ledger" => await LedgerVerb.RunAsync(CliArguments.Parse(rest, LedgerVerb.Options), stdout, cancel.Token).ConfigureAwait(false),
                "hook" => await HookVerb.RunAsync(CliArguments.Parse(rest, HookVerb.Options), stdout).ConfigureAwait(false),
                "demo" => await DemoVerb.RunAsync(CliArguments.Parse(rest, DemoVerb.Options), stdout, cancel.Token).ConfigureAwait(false),
                _ => throw new UsageException($"'{args[0]}' is not a certheal verb; run 'certheal --help' for the list."),
            };
        }
        catch (UsageException e)
        {
            await stderr.WriteLineAsync("certheal: " + e.Message).ConfigureAwait(false);
            return UsageError;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            await stderr.WriteLineAsync("certheal: stopped.").ConfigureAwait(false);
            return CheckFailed;
        }
        catch (Keystores.KeystoreException e)
        {
            await stderr.WriteLineAsync("certheal: " + e.Describe(CliVocabulary.Instance)).ConfigureAwait(false);
            // A merge the endpoint check refused is a failed check (the heal was refused), not bad input.
            return e.Kind == Keystores.KeystoreErrorKind.ValidationFailed ? CheckFailed : UsageError;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or InvalidDataException)
        {
            await stderr.WriteLineAsync("certheal: " + e.Message).ConfigureAwait(false);
            if (verbose)
            {
                await stderr.WriteLineAsync(e.ToString()).ConfigureAwait(false);
            }
            return UsageError;
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or System.Formats.Asn1.AsnContentException)
        {
            // The engine guards each decode it knows of; this is the last line for one it does
            // not, so damaged input still ends in one sentence and exit 2, never a stack trace.
            await stderr.WriteLineAsync($"certheal: a certificate or key in the input could not be decoded ({e.Message.TrimEnd('.')}); the input is damaged, so check or replace it.").ConfigureAwait(false);
            if (verbose)
            {
                await stderr.WriteLineAsync(e.ToString()).ConfigureAwait(false);
            }
            return UsageError;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}

/// <summary>A mistake in how certheal was called: exit code 2 and one line on stderr.</summary>
public sealed class UsageException(string message) : Exception(message);
