namespace CertHeal;

/// <summary>How a runtime is switched to the healed store; each host words it for its shell.</summary>
public enum SteeringKind
{
    /// <summary>Nothing to switch: the runtime already reads the healed store, or cannot read it (RuntimeSteering.Reason says which).</summary>
    None,

    /// <summary>Set the environment variable RuntimeSteering.Name to RuntimeSteering.Value for the runtime's next start.</summary>
    EnvironmentVariable,

    /// <summary>
    /// The system property RuntimeSteering.Name = RuntimeSteering.Value, given through JAVA_TOOL_OPTIONS
    /// (which every JVM reads, so a service's next start picks it up without touching its command line).
    /// </summary>
    JvmProperty,

    /// <summary>The git configuration key RuntimeSteering.Name = RuntimeSteering.Value in the user's global configuration.</summary>
    GitConfig,
}
