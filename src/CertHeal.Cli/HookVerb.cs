using CertHeal.Trust;

namespace CertHeal.Cli;

/// <summary>
/// certheal hook install|remove|status: Register-, Unregister- and Get-KeystoreHook. The hooks run
/// this very certheal (the tool shim, or dotnet and this certheal.dll) with `sync --hook` on the
/// system ledger. Exit 0 when done (status: every hook installed), 1 when status finds one absent
/// or stale, 2 for bad input or a hook file that could not be written or is not CertHeal's.
/// </summary>
internal static class HookVerb
{
    public static readonly Dictionary<string, bool> Options = new()
    {
        ["--ledger"] = true, ["--kind"] = true, ["--cli"] = true, ["--timeout"] = true, ["--what-if"] = false, ["--json"] = false,
    };

    public static async Task<int> RunAsync(CliArguments args, TextWriter stdout)
    {
        if (args.Positionals.Count != 1 || args.Positionals[0] is not ("install" or "remove" or "status"))
        {
            throw new UsageException("hook needs one action: install, remove or status.");
        }
        var kind = args.Value("--kind") is { } named ? MergeVerb.Parse<KeystoreHookKind>(named, "--kind", "UpdateCaCertificates or DpkgPostInvoke") : (KeystoreHookKind?)null;
        var options = new HookOptions
        {
            Ledger = Path.GetFullPath(args.Value("--ledger") ?? SystemLedger.DefaultPath),
            Command = Cli(args.Value("--cli")),
            Timeout = TimeSpan.FromSeconds(args.Int("--timeout", 1, 3600) ?? 300),
            WhatIf = args.Flag("--what-if"),
        };
        KeystoreHook[] hooks;
        try
        {
            hooks = args.Positionals[0] switch
            {
                "install" => KeystoreHooks.Install(options, kind is { } k ? [k] : null),
                "remove" => KeystoreHooks.Remove(options, kind is { } r ? [r] : null),
                _ => KeystoreHooks.Status(options, kind is { } s ? [s] : null),
            };
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        if (args.Flag("--json"))
        {
            await JsonOutput.WriteAsync(stdout, hooks, JsonOutput.Types.IReadOnlyListKeystoreHook).ConfigureAwait(false);
        }
        else
        {
            await stdout.WriteAsync(TableOutput.Format(["Kind", "State", "Changed", "Path"],
                hooks.Select(h => (IReadOnlyList<string>)[h.Kind.ToString(), h.State.ToString(), h.Changed ? h.WhatIf ? "would" : "yes" : "no", h.Path]))).ConfigureAwait(false);
        }
        return args.Positionals[0] == "status" && hooks.Any(h => h.State != KeystoreHookState.Installed) ? CliApp.CheckFailed : CliApp.Success;
    }

    private static IReadOnlyList<string> Cli(string? named)
    {
        try
        {
            return named is null ? RunningCli() : KeystoreHooks.CommandFor(named);
        }
        catch (FileNotFoundException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>This certheal, as an upgrade hook must run it: the dotnet tool shim or apphost itself, else dotnet and this certheal.dll.</summary>
    internal static IReadOnlyList<string> RunningCli()
    {
        var process = Environment.ProcessPath ?? "dotnet";
        return Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? KeystoreHooks.CommandFor(Path.Combine(AppContext.BaseDirectory, typeof(HookVerb).Assembly.GetName().Name + ".dll"), process)
            : KeystoreHooks.CommandFor(process);
    }
}
