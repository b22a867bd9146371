namespace CertHeal.Cli;

/// <summary>--revocation off|soft|hard: the -RevocationCheck parameter of the cmdlets.</summary>
internal static class RevocationOption
{
    public const string Name = "--revocation";

    /// <summary>The mode given, or <paramref name="fallback"/> when the option is absent.</summary>
    public static RevocationCheckMode Read(CliArguments args, RevocationCheckMode fallback = RevocationCheckMode.SoftFail) => args.Value(Name)?.ToLowerInvariant() switch
    {
        null => fallback,
        "off" => RevocationCheckMode.Off,
        "soft" or "softfail" => RevocationCheckMode.SoftFail,
        "hard" or "hardfail" => RevocationCheckMode.HardFail,
        var other => throw new UsageException($"'{other}' is not a revocation mode; use off, soft or hard."),
    };
}
