using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace CertHeal.Keystores;

/// <summary>What one certutil run answered.</summary>
internal sealed record NssCertutilResult(int ExitCode, string Output, string Error)
{
    /// <summary>certutil's own reason, in one line (its last line names the NSS error).</summary>
    public string Reason => (Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? $"exit code {ExitCode}").TrimEnd('.');
}

/// <summary>
/// Runs NSS's own certutil, the only writer CertHeal trusts with cert9.db (SQLite that a running
/// browser may hold open). Each run is bounded in time and output, never prompts (stdin is the
/// certificate or nothing, and an empty password file answers any login), and a missing tool is
/// one sentence naming the package.
/// </summary>
internal static class NssCertutil
{
    /// <summary>Which certutil to run; tests point it at a missing file to see the install hint.</summary>
    internal const string ToolVariable = "CERTHEAL_CERTUTIL";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private const int MaxOutputBytes = 16 * 1024 * 1024;

    private static readonly Lazy<string> EmptyPasswordFile = new(() =>
    {
        if (File.Exists("/dev/null"))
        {
            return "/dev/null";
        }
        var file = Path.Combine(Path.GetTempPath(), "certheal-empty-password");
        using (File.Create(file))
        {
        }
        return file;
    });

    public static NssCertutilResult Run(string database, IReadOnlyList<string> args, byte[]? input = null)
    {
        var tool = Environment.GetEnvironmentVariable(ToolVariable) is { Length: > 0 } configured ? configured : "certutil";
        var info = new ProcessStartInfo(tool) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.ArgumentList.Add("-d");
        info.ArgumentList.Add(NssDatabase.Prefix + NssDatabase.FolderOf(database));
        info.ArgumentList.Add("-f");
        info.ArgumentList.Add(EmptyPasswordFile.Value);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new Win32Exception();
        }
        catch (Win32Exception e)
        {
            throw new KeystoreException(KeystoreErrorKind.Unsupported, database,
                $"NSS's certutil is not installed, so the NSS database '{database}' cannot be read or changed; install libnss3-tools (Debian, Ubuntu) or nss-tools (Fedora, RHEL) and try again.", e);
        }
        using (process)
        {
            var output = ReadBounded(process.StandardOutput.BaseStream);
            var error = ReadBounded(process.StandardError.BaseStream);
            try
            {
                if (input is not null)
                {
                    process.StandardInput.BaseStream.Write(input);
                }
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // certutil exited before reading its input; its exit code and error say why.
            }
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                throw new KeystoreException(KeystoreErrorKind.Locked, database,
                    $"certutil did not finish within {Timeout.TotalSeconds:0} s on the NSS database '{database}'; close the browser or tool that holds it and try again.");
            }
            var (outputText, outputOverflow) = output.GetAwaiter().GetResult();
            var (errorText, _) = error.GetAwaiter().GetResult();
            if (outputOverflow)
            {
                throw new KeystoreException(KeystoreErrorKind.Corrupt, database,
                    $"certutil printed more than {MaxOutputBytes / (1024 * 1024)} MiB for the NSS database '{database}'; it is not a database CertHeal reads.");
            }
            return new NssCertutilResult(process.ExitCode, outputText, errorText);
        }
    }

    /// <summary>Reads a stream to its end but keeps at most the limit, so a runaway tool cannot exhaust memory.</summary>
    private static async Task<(string Text, bool Overflow)> ReadBounded(Stream stream)
    {
        var kept = new MemoryStream();
        var buffer = new byte[64 * 1024];
        var overflow = false;
        int read;
        while ((read = await stream.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            if (kept.Length + read > MaxOutputBytes)
            {
                overflow = true;
                continue;
            }
            kept.Write(buffer, 0, read);
        }
        return (Encoding.UTF8.GetString(kept.GetBuffer(), 0, (int)kept.Length), overflow);
    }
}
