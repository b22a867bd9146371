namespace CertHeal.Keystores;

/// <summary>
/// Where the OS's own files (/etc, /usr/local/share, /var/lib) are: "/" on a real system. A test
/// that cannot use a mount namespace points $CERTHEAL_SYSTEM_ROOT at a copy instead.
/// </summary>
internal static class SystemRoot
{
    internal const string Variable = "CERTHEAL_SYSTEM_ROOT";

    internal static string Path =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } configured ? System.IO.Path.GetFullPath(configured) : "/";

    internal static string Under(string root, params string[] parts) => System.IO.Path.Combine([root, .. parts]);
}
