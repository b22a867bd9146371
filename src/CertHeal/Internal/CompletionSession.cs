using System.Management.Automation;

namespace CertHeal.Internal;

/// <summary>
/// What a completer may read of the session it completes in. Completers run while the console's
/// own pipeline runs, so they ask through a nested pipeline on the current runspace
/// (Runspace.DefaultRunspace.SessionStateProxy is refused there) and never fail the completion.
/// </summary>
internal static class CompletionSession
{
    public static object? Evaluate(string script, params object?[] arguments)
    {
        try
        {
            using var shell = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
            shell.AddScript(script);
            foreach (var argument in arguments)
            {
                shell.AddArgument(argument);
            }
            var results = shell.Invoke();
            return results.Count switch { 0 => null, 1 => results[0]?.BaseObject, _ => results.Select(r => (object?)r).ToArray() };
        }
        catch (Exception e) when (e is RuntimeException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The session's current file-system folder (not the process's).</summary>
    public static string Location =>
        Evaluate("$ExecutionContext.SessionState.Path.CurrentFileSystemLocation.ProviderPath") as string ?? Environment.CurrentDirectory;

    public static object? Variable(string name) =>
        Evaluate("param($n) $ExecutionContext.SessionState.PSVariable.GetValue($n)", name);
}
