namespace CertHeal.Discovery;

/// <summary>What kind of text a file holds, which decides its comment syntax and the rules that apply to it.</summary>
internal enum BypassFileKind
{
    /// <summary>Shell, service units, Dockerfiles, YAML, env files: `#` starts a comment at a word's start.</summary>
    Text,
    Python,
    JavaScript,
    Java,
    PowerShell,
    GitConfig,
    Npmrc,
    PipConfig,
    Curlrc,
    Wgetrc,
}
