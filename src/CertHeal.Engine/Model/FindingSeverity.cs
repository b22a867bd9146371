namespace CertHeal;

public enum FindingSeverity
{
    Error,
    Warning,
    Info,
}
