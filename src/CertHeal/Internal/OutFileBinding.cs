using System.Management.Automation;

namespace CertHeal.Internal;

/// <summary>-OutFile through the provider, as PowerShell's web cmdlets take it: literal, relative to the current location, file system only.</summary>
internal static class OutFileBinding
{
    public static string? Resolve(PSCmdlet cmdlet, string? outFile)
    {
        if (outFile is null)
        {
            return null;
        }
        var path = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(outFile, out var provider, out _);
        if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
        {
            cmdlet.ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-OutFile '{outFile}' is on the {provider.Name} provider; give a file-system path."),
                ErrorIds.OutFileFailed, ErrorCategory.InvalidArgument, outFile));
        }
        return path;
    }
}
