namespace CertHeal.Discovery;

/// <summary>
/// Which runtime a process is, from the name of its executable (/proc/pid/exe, which names the
/// real interpreter behind a pyenv shim or a node version manager's link), and, where the switch
/// depends on it, its version.
/// </summary>
internal static class ProcessRuntime
{
    public static SteeringRuntime? Of(string? executable)
    {
        if (executable is null)
        {
            return null;
        }
        var name = Path.GetFileName(executable);
        if (name is "node" or "nodejs" || name.StartsWith("node-", StringComparison.Ordinal))
        {
            return SteeringRuntime.Node;
        }
        if (name.StartsWith("python", StringComparison.Ordinal) && name["python".Length..].All(c => char.IsAsciiDigit(c) || c == '.'))
        {
            return SteeringRuntime.Python;
        }
        return name switch
        {
            "java" => SteeringRuntime.Java,
            "git" or "git-remote-https" or "git-remote-http" => SteeringRuntime.Git,
            "openssl" => SteeringRuntime.OpenSsl,
            _ => null,
        };
    }

    /// <summary>
    /// The version a node executable reports (`node --version`, bounded by the tool timeout), as
    /// major.minor.patch; null when it cannot be run (deleted binary, no permission), and the
    /// caller then picks the switch every version has.
    /// </summary>
    public static Version? NodeVersion(DiscoveryContext context, string executable)
    {
        var answer = ToolRunner.Run(context, executable, "--version")?.Trim();
        return answer is not null && answer.StartsWith('v') && Version.TryParse(answer[1..], out var version) ? version : null;
    }

    /// <summary>
    /// NODE_USE_SYSTEM_CA=1 (read the OS store, on Linux OpenSSL's default bundle) is known to
    /// Node 22 from 22.19 and to Node 24 from 24.6; Node 23 only had the --use-system-ca flag, and
    /// older lines know neither, so they get NODE_EXTRA_CA_CERTS.
    /// </summary>
    public static bool KnowsUseSystemCa(Version version) =>
        (version.Major == 22 && version.Minor >= 19) || (version.Major == 24 && version.Minor >= 6) || version.Major >= 25;
}
