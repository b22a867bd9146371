using System.Text;
using CertHeal.Keystores;

namespace CertHeal.Trust;

/// <summary>How hooks are installed: what they run and where.</summary>
public sealed class HookOptions
{
    /// <summary>The system ledger the hooks sync from.</summary>
    public string Ledger { get; init; } = SystemLedger.DefaultPath;

    /// <summary>The certheal to run, as its words (the tool shim, or dotnet and certheal.dll); absolute paths.</summary>
    public IReadOnlyList<string> Command { get; init; } = [];

    /// <summary>How long a hook lets certheal run before `timeout` ends it (and the upgrade goes on).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    public bool WhatIf { get; init; }

    /// <summary>"/" on a real system (tests use real paths inside a mount namespace; $CERTHEAL_SYSTEM_ROOT otherwise).</summary>
    public string Root { get; init; } = SystemRoot.Path;
}

/// <summary>
/// Upgrade hooks: Sync of the system ledger registered where Debian runs code after trust stores
/// change, so healing survives upgrades without anyone remembering to run it:
///   /etc/ca-certificates/update.d/certheal  run by update-ca-certificates after it regenerated the bundle
///   /etc/apt/apt.conf.d/80certheal           DPkg::Post-Invoke, after every dpkg run (JDK upgrades)
/// Each file is written whole through <see cref="StoreWrite"/>, only when its bytes differ, and
/// removed only when it carries CertHeal's marker line (never a file someone else wrote there).
/// </summary>
public static class KeystoreHooks
{
    /// <summary>The first comment of every hook file: how remove and status know the file is CertHeal's.</summary>
    internal const string Marker = "certheal hook: written by `certheal hook install` (Register-KeystoreHook)";

    private const int MaxHookBytes = 64 * 1024;

    public static string PathOf(KeystoreHookKind kind, string root) => kind switch
    {
        KeystoreHookKind.UpdateCaCertificates => SystemRoot.Under(root, "etc", "ca-certificates", "update.d", "certheal"),
        _ => SystemRoot.Under(root, "etc", "apt", "apt.conf.d", "80certheal"),
    };

    /// <summary>The certheal on PATH (the dotnet tool shim), which hooks run when no CLI is named; null when there is none.</summary>
    public static string? InstalledCli() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, OperatingSystem.IsWindows() ? "certheal.exe" : "certheal")).FirstOrDefault(File.Exists);

    /// <summary>
    /// The words that run the certheal at <paramref name="cliPath"/>: a certheal.dll runs under the
    /// dotnet that runs this process (or the one on PATH), the tool shim or an apphost as it is.
    /// </summary>
    public static IReadOnlyList<string> CommandFor(string cliPath, string? dotnet = null)
    {
        var full = Path.GetFullPath(cliPath);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"The certheal '{full}' for the hook does not exist; give the path of the certheal you installed.", full);
        }
        if (!full.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            return [full];
        }
        dotnet ??= Environment.ProcessPath is { } process && Path.GetFileNameWithoutExtension(process) == "dotnet" ? process
            : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(d => Path.Combine(d, "dotnet")).FirstOrDefault(File.Exists);
        return dotnet is null
            ? throw new FileNotFoundException($"dotnet, which runs '{full}', is not on PATH; install the certheal dotnet tool and give its shim instead.", full)
            : [Path.GetFullPath(dotnet), full];
    }

    public static KeystoreHook[] Status(HookOptions options, IEnumerable<KeystoreHookKind>? kinds = null) =>
        [.. Kinds(kinds).Select(kind => Describe(kind, options))];

    public static KeystoreHook[] Install(HookOptions options, IEnumerable<KeystoreHookKind>? kinds = null)
    {
        var hooks = new List<KeystoreHook>();
        foreach (var kind in Kinds(kinds))
        {
            var hook = Describe(kind, options);
            var folder = Path.GetDirectoryName(hook.Path)!;
            var owner = Path.GetDirectoryName(folder)!;
            if (!Directory.Exists(folder) && !(kind == KeystoreHookKind.UpdateCaCertificates && Directory.Exists(owner)))
            {
                throw new KeystoreException(KeystoreErrorKind.NotFound, hook.Path,
                    $"'{folder}' does not exist, so this is not a Debian system with {(kind == KeystoreHookKind.UpdateCaCertificates ? "update-ca-certificates" : "APT")}; the {kind} hook was not installed.");
            }
            hook.Changed = hook.State != KeystoreHookState.Installed;
            if (hook.Changed && !options.WhatIf)
            {
                var bytes = Content(kind, options);
                Directory.CreateDirectory(folder);
                StoreWrite.Replace(hook.Path, bytes, back =>
                {
                    if (!back.AsSpan().SequenceEqual(bytes))
                    {
                        throw new IOException($"'{hook.Path}' did not read back as written; the disk may be full.");
                    }
                });
                if (!OperatingSystem.IsWindows())
                {
                    // update-ca-certificates runs only executable hooks (run-parts --test); APT reads its file.
                    File.SetUnixFileMode(hook.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead
                        | (kind == KeystoreHookKind.UpdateCaCertificates ? UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute : 0));
                }
                hook.State = KeystoreHookState.Installed;
            }
            hooks.Add(hook);
        }
        return [.. hooks];
    }

    public static KeystoreHook[] Remove(HookOptions options, IEnumerable<KeystoreHookKind>? kinds = null)
    {
        var hooks = new List<KeystoreHook>();
        foreach (var kind in Kinds(kinds))
        {
            var hook = Describe(kind, options);
            if (hook.State != KeystoreHookState.Absent)
            {
                if (!IsOurs(hook.Path))
                {
                    throw new KeystoreException(KeystoreErrorKind.ReadOnly, hook.Path,
                        $"'{hook.Path}' was not written by CertHeal (it lacks the certheal hook line), so it was left in place; remove it yourself if it is no longer wanted.");
                }
                hook.Changed = true;
                if (!options.WhatIf)
                {
                    File.Delete(hook.Path);
                    hook.State = KeystoreHookState.Absent;
                }
            }
            hooks.Add(hook);
        }
        return [.. hooks];
    }

    /// <summary>The file's exact bytes for these options: install compares them, so a rerun writes nothing.</summary>
    internal static byte[] Content(KeystoreHookKind kind, HookOptions options)
    {
        var command = Quote(options.Command.Count > 0 ? options.Command : throw new ArgumentException("The hook needs the certheal it runs.", nameof(options)));
        var seconds = Math.Max(1, (int)Math.Ceiling(options.Timeout.TotalSeconds));
        var ledger = Quote([Path.GetFullPath(options.Ledger)]);
        var log = Quote([SystemRoot.Under(options.Root, "var", "log", "certheal.log")]);
        var text = new StringBuilder();
        if (kind == KeystoreHookKind.UpdateCaCertificates)
        {
            text.Append("#!/bin/sh\n")
                .Append("# ").Append(Marker).Append('\n')
                .Append("# update-ca-certificates runs this after it regenerated the OS bundle: re-apply the system trust ledger.\n")
                .Append("# Bounded by timeout and always exit 0, so it never fails the update that ran it; certheal logs to\n")
                .Append("# syslog (tag certheal) and ").Append(log).Append(". CERTHEAL_HOOK tells certheal not to run\n")
                .Append("# update-ca-certificates again from inside it (that would recurse).\n")
                .Append("cat >/dev/null\n")
                .Append("CERTHEAL_HOOK=update-ca-certificates\n")
                .Append("export CERTHEAL_HOOK\n")
                .Append("timeout -k 5 ").Append(seconds).Append(' ').Append(command).Append(" sync --hook --ledger ").Append(ledger).Append(" >/dev/null 2>&1 || {\n")
                .Append("  status=$?\n")
                .Append("  message=\"hook (update-ca-certificates): certheal failed or timed out (exit $status); the update went on\"\n")
                .Append("  logger -t certheal -p auth.warning -- \"$message\" 2>/dev/null\n")
                .Append("  echo \"$(date -u +%Y-%m-%dT%H:%M:%SZ) $message\" >>").Append(log).Append(" 2>/dev/null\n")
                .Append("  echo \"certheal: warning: $message\" >&2\n")
                .Append("}\n")
                .Append("exit 0\n");
        }
        else
        {
            // APT runs each Post-Invoke string with sh -c; an error would fail the dpkg run, hence `|| true`.
            var message = "hook (dpkg): certheal failed or timed out; the upgrade went on";
            text.Append("// ").Append(Marker).Append('\n')
                .Append("// After every dpkg run (JDK and ca-certificates-java upgrades replace cacerts), re-apply the system\n")
                .Append("// trust ledger. Bounded by timeout, never fails the dpkg run; certheal logs to syslog (tag certheal).\n")
                .Append("DPkg::Post-Invoke { \"CERTHEAL_HOOK=dpkg timeout -k 5 ").Append(seconds).Append(' ').Append(command)
                .Append(" sync --hook --ledger ").Append(ledger).Append(" >/dev/null 2>&1 || logger -t certheal -p auth.warning -- '")
                .Append(message).Append("' 2>/dev/null || true\"; };\n");
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static KeystoreHook Describe(KeystoreHookKind kind, HookOptions options)
    {
        var path = PathOf(kind, options.Root);
        var state = KeystoreHookState.Absent;
        if (File.Exists(path))
        {
            var info = new FileInfo(path);
            // Without a certheal to compare with (Get-KeystoreHook where none is on PATH), CertHeal's own file counts as installed.
            state = options.Command.Count == 0 ? (IsOurs(path) ? KeystoreHookState.Installed : KeystoreHookState.Stale)
                : info.Length <= MaxHookBytes && File.ReadAllBytes(path).AsSpan().SequenceEqual(Content(kind, options))
                && (kind != KeystoreHookKind.UpdateCaCertificates || OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & UnixFileMode.UserExecute) != 0)
                ? KeystoreHookState.Installed : KeystoreHookState.Stale;
        }
        return new KeystoreHook
        {
            Kind = kind, Path = path, State = state, Ledger = Path.GetFullPath(options.Ledger),
            Command = Quote(options.Command), WhatIf = options.WhatIf,
        };
    }

    private static bool IsOurs(string path)
    {
        using var reader = new StreamReader(path);
        for (var i = 0; i < 3 && reader.ReadLine() is { } line; i++)
        {
            if (line.Contains(Marker, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    private static IEnumerable<KeystoreHookKind> Kinds(IEnumerable<KeystoreHookKind>? kinds) =>
        kinds?.Distinct().ToList() is { Count: > 0 } list ? list : Enum.GetValues<KeystoreHookKind>();

    /// <summary>
    /// Each word in single quotes for sh. A quote of either kind in a path is refused: APT's
    /// configuration strings cannot escape them, and such a path is not one a package manager installs.
    /// </summary>
    private static string Quote(IEnumerable<string> words) => string.Join(' ', words.Select(w =>
        w.Contains('\'', StringComparison.Ordinal) || w.Contains('"', StringComparison.Ordinal) || w.Contains('\\', StringComparison.Ordinal)
            ? throw new ArgumentException($"The path '{w}' contains a quote or backslash, which a hook cannot run safely; install certheal under a plain path.")
            : "'" + w + "'"));
}
