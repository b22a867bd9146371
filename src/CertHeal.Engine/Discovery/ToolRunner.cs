using System.Diagnostics;

namespace CertHeal.Discovery;

/// <summary>
/// Asks a tool (openssl, python3, git) what it would use, with exactly the discovery
/// environment's variables and a time limit; a tool that is missing, fails or hangs answers null.
/// </summary>
internal static class ToolRunner
{
    public static string? Run(DiscoveryContext context, string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment.Clear();
        foreach (var (name, value) in context.Environment.Variables)
        {
            info.Environment[name] = value;
        }
        try
        {
            using var process = Process.Start(info);
            if (process is null)
            {
                return null;
            }
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEndAsync(context.CancellationToken);
            _ = process.StandardError.ReadToEndAsync(context.CancellationToken);
            if (!process.WaitForExit(context.Environment.ToolTimeout))
            {
                process.Kill(entireProcessTree: true);
                context.Skip($"'{file} {string.Join(' ', args)}' did not answer within {context.Environment.ToolTimeout.TotalSeconds:0} s; skipped.");
                return null;
            }
            var text = output.GetAwaiter().GetResult();
            return process.ExitCode == 0 ? text : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or InvalidOperationException)
        {
            context.Skip($"Could not run '{file}' ({e.Message.TrimEnd('.')}); skipped.");
            return null;
        }
    }
}
