using System.Diagnostics;
using CertHeal.Keystores;

namespace CertHeal.Trust;

/// <summary>
/// The ledger upgrade hooks apply: one the machine's administrator owns. A hook runs as root after
/// every dpkg run, so applying a ledger a user could write would let that user add trust anchors
/// for every program on the machine. The ledger's folder, everything in it and every parent must
/// be owned by root and writable by no group or other user.
/// </summary>
public static class SystemLedger
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(30);

    /// <summary>/var/lib/certheal/ledger.json (its records live in /var/lib/certheal/ledger/).</summary>
    public static string DefaultPath => SystemRoot.Under(SystemRoot.Path, "var", "lib", "certheal", "ledger.json");

    /// <summary>Null when <paramref name="ledgerPath"/> is safe to apply as root; otherwise why not, as one sentence.</summary>
    public static string? UnsafeReason(string ledgerPath)
    {
        if (OperatingSystem.IsWindows())
        {
            return "upgrade hooks are a Debian feature; this system has none";
        }
        var folder = TrustLedger.Folder(ledgerPath);
        if (!Directory.Exists(folder) && !File.Exists(TrustLedger.LegacyFile(ledgerPath)))
        {
            return null;
        }
        // The real path: a symlinked component would otherwise hide a user-owned folder behind a root-owned name.
        var real = Run("realpath", ["-e", "--", Directory.Exists(folder) ? folder : TrustLedger.LegacyFile(ledgerPath)]).Trim();
        if (real.Length == 0)
        {
            return $"the ledger '{folder}' could not be resolved";
        }
        List<string> parents = [];
        for (var parent = Path.GetDirectoryName(real); parent is not null; parent = Path.GetDirectoryName(parent))
        {
            parents.Add(parent);
        }
        // One find for the parents (themselves only) and one for the ledger's whole tree: the first
        // thing not owned by root or writable by group or others is the reason.
        var offender = Run("find", [.. parents, "-maxdepth", "0", "(", "!", "-uid", "0", "-o", "-perm", "/022", ")", "-print", "-quit"]).Trim();
        if (offender.Length == 0)
        {
            offender = Run("find", [real, "(", "!", "-uid", "0", "-o", "-perm", "/022", ")", "-print", "-quit"]).Trim();
        }
        return offender.Length == 0 ? null
            : $"'{offender}' is not owned by root or is writable by a group or other users, so a user could change the ledger '{folder}'";
    }

    private static string Run(string program, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        try
        {
            using var process = Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start");
            var output = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(CheckTimeout))
            {
                process.Kill(entireProcessTree: true);
                return "(" + program + " timed out)";
            }
            return output.GetAwaiter().GetResult();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Without the tool nothing can be proved safe: name something, so the ledger is refused.
            return "(" + program + " is missing)";
        }
    }
}
