using System.Management.Automation;
using CertHeal.Keystores;

namespace CertHeal.Internal;

/// <summary>-Path (wildcards, exactly one match) / -LiteralPath / the per-user default keystore, through the provider.</summary>
internal static class PathBinding
{
    private const string NssPrefix = "sql:";

    public static string Keystore(PSCmdlet cmdlet, string? path, string? literalPath)
    {
        // The certificate provider would turn Cert:\CurrentUser\Root into "CurrentUser\Root" (and
        // pwsh on Linux has no Cert: drive), while the engine names the store by its Cert:\ path.
        if ((literalPath ?? path) is { } store && KeystoreFormats.IsWindowsStorePath(store))
        {
            return store;
        }
        // NSS's `sql:/dir` is no PowerShell drive: only the folder goes through the provider.
        if ((literalPath ?? path) is { } nss && KeystoreFormats.IsNssPath(nss))
        {
            return NssPrefix + cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(nss[NssPrefix.Length..]);
        }
        if (literalPath is not null)
        {
            return cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(literalPath);
        }
        if (path is null)
        {
            var fallback = KeystoreMerger.DefaultKeystorePath();
            Directory.CreateDirectory(Path.GetDirectoryName(fallback)!);
            return fallback;
        }
        if (WildcardPattern.ContainsWildcardCharacters(path))
        {
            var resolved = cmdlet.GetResolvedProviderPathFromPSPath(path, out _);
            if (resolved.Count != 1)
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-Path '{path}' matches {resolved.Count} files; name exactly one keystore."),
                    ErrorIds.KeystoreNotFound, ErrorCategory.InvalidArgument, path));
            }
            return resolved[0];
        }
        return cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
    }
}
