namespace CertHeal;

public enum CertificateRole
{
    Leaf,
    Intermediate,
    Root,
}
