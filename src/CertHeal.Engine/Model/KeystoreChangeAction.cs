namespace CertHeal;

public enum KeystoreChangeAction
{
    Added,
    Replaced,
    Unchanged,
    Skipped,
}
