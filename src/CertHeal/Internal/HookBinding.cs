using System.Management.Automation;
using CertHeal.Keystores;
using CertHeal.Trust;

namespace CertHeal.Internal;

/// <summary>The three hook cmdlets' shared binding: the system ledger, the certheal the hooks run, errors.</summary>
internal static class HookBinding
{
    /// <summary>
    /// The certheal the hooks run: -CliPath (a certheal.dll runs under dotnet), else the certheal
    /// on PATH (the dotnet tool shim). Null, after a CliNotFound error, when there is none.
    /// </summary>
    public static HookOptions? Options(PSCmdlet cmdlet, string? ledgerPath, string? cliPath, int timeoutSec, bool whatIf, bool cliRequired)
    {
        var ledger = ledgerPath is null ? SystemLedger.DefaultPath : cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(ledgerPath);
        IReadOnlyList<string> command = [];
        try
        {
            var cli = cliPath is not null ? cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(cliPath) : KeystoreHooks.InstalledCli();
            if (cli is null)
            {
                if (cliRequired)
                {
                    cmdlet.ThrowTerminatingError(new ErrorRecord(new ItemNotFoundException(
                        "certheal was not found on PATH, so the hooks would have nothing to run; install it (dotnet tool install --global certheal) or name it with -CliPath."),
                        ErrorIds.CliNotFound, ErrorCategory.ObjectNotFound, "certheal"));
                }
            }
            else
            {
                command = KeystoreHooks.CommandFor(cli);
            }
        }
        catch (Exception e) when (e is FileNotFoundException or ArgumentException)
        {
            cmdlet.ThrowTerminatingError(new ErrorRecord(e, ErrorIds.CliNotFound, ErrorCategory.ObjectNotFound, cliPath));
        }
        return new HookOptions { Ledger = ledger, Command = command, Timeout = TimeSpan.FromSeconds(timeoutSec), WhatIf = whatIf };
    }

    public static ErrorRecord Record(KeystoreException e) =>
        new(e, ErrorIds.HookFailed, e.Kind == KeystoreErrorKind.NotFound ? ErrorCategory.ObjectNotFound : ErrorCategory.PermissionDenied, e.Path);

    public static ErrorRecord Record(Exception e, string path) => new(e, ErrorIds.HookFailed, ErrorCategory.WriteError, path);
}
