namespace CertHeal.Keystores;

/// <summary>
/// Keystore errors name the options that fix them. The engine writes Merge-Keystore's names
/// (<see cref="PasswordOptions"/>, <see cref="FormatOption"/>); the CLI and the probe cmdlets
/// (whose keystore password is -KeystorePassword) swap in their own, so nobody is told to pass
/// an option their command does not have.
/// </summary>
public static class KeystoreWording
{
    public const string PasswordOptions = "-Password or -Credential";
    public const string FormatOption = "-Format";

    /// <summary>certheal's option names.</summary>
    public static string ForCli(string message) => message
        .Replace(PasswordOptions, "--password-file, --password-env or --password", StringComparison.Ordinal)
        .Replace("pass " + FormatOption, "pass --format", StringComparison.Ordinal)
        .Replace("drop " + FormatOption, "drop --format", StringComparison.Ordinal)
        .Replace("use -SkipValidation to write it anyway", "use --skip-validation to write it anyway", StringComparison.Ordinal);

    /// <summary>The names of a cmdlet whose keystore is only a trust store (-Keystore, -KeystorePassword, -KeystoreCredential).</summary>
    public static string ForProbeCmdlet(string message) => message
        .Replace(PasswordOptions, "-KeystorePassword or -KeystoreCredential", StringComparison.Ordinal);
}
