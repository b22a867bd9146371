namespace CertHeal.Cli;

/// <summary>
/// The small parser certheal needs: positional values, --name value options (repeatable),
/// and --flags. Unknown options are usage errors, never silently ignored.
/// </summary>
public sealed class CliArguments
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public List<string> Positionals { get; } = [];

    /// <param name="spec">Option names mapped to true when they take a value, false for flags.</param>
    public static CliArguments Parse(string[] args, IReadOnlyDictionary<string, bool> spec)
    {
        var parsed = new CliArguments();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg is "-4" or "-6" && spec.ContainsKey("--address-family"))
            {
                // -4 / -6 as curl and ssh spell them: shorthand for --address-family.
                if (!parsed._values.TryGetValue("--address-family", out var family))
                {
                    parsed._values["--address-family"] = family = [];
                }
                family.Add(arg[1..]);
                continue;
            }
            if (arg == "--verbose")
            {
                parsed._flags.Add(arg);
                continue;
            }
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                var name = arg;
                string? inline = null;
                var eq = arg.IndexOf('=');
                if (eq > 0)
                {
                    name = arg[..eq];
                    inline = arg[(eq + 1)..];
                }
                if (!spec.TryGetValue(name, out var takesValue))
                {
                    throw new UsageException($"unknown option '{name}'; run 'certheal --help' for the options of each verb.");
                }
                if (!takesValue)
                {
                    parsed._flags.Add(name);
                    continue;
                }
                var value = inline ?? (i + 1 < args.Length ? args[++i] : throw new UsageException($"option '{name}' needs a value."));
                if (!parsed._values.TryGetValue(name, out var list))
                {
                    parsed._values[name] = list = [];
                }
                list.Add(value);
                continue;
            }
            parsed.Positionals.Add(arg);
        }
        return parsed;
    }

    public bool Flag(string name) => _flags.Contains(name);

    public string? Value(string name) => _values.TryGetValue(name, out var list) ? list[^1] : null;

    public IReadOnlyList<string> Values(string name) => _values.TryGetValue(name, out var list) ? list : [];

    public int? Int(string name, int min, int max)
    {
        var text = Value(name);
        if (text is null)
        {
            return null;
        }
        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new UsageException($"option '{name}' must be a whole number from {min} to {max}, not '{text}'.");
        }
        return value;
    }
}
