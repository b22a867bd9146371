namespace CertHeal.Discovery;

/// <summary>Pieces of a steering switch that every host writes the same way, whatever its shell.</summary>
public static class SteeringText
{
    /// <summary>The variable a JvmProperty steering goes through.</summary>
    public const string JavaToolOptions = "JAVA_TOOL_OPTIONS";

    /// <summary>
    /// "-Dname=value" as one JAVA_TOOL_OPTIONS token: the JVM splits that variable on whitespace
    /// and groups double-quoted text, so a path with a space is quoted for the JVM, not for the shell.
    /// </summary>
    public static string JvmOption(RuntimeSteering steering)
    {
        var value = steering.Value ?? "";
        return value.Any(char.IsWhiteSpace) ? $"-D{steering.Name}=\"{value}\"" : $"-D{steering.Name}={value}";
    }
}
