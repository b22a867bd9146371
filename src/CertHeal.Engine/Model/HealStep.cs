namespace CertHeal;

/// <summary>One step of a heal: what failed, what was collected, merged, confirmed, retried or renewed, and how long it took.</summary>
public sealed class HealStep
{
    /// <summary>Failed, Collected, Merged, Confirmed, Retried, Renewed, Refused, Diagnosed.</summary>
    public string Name { get; set; } = "";
    public string Detail { get; set; } = "";
    public TimeSpan Duration { get; set; }
}
