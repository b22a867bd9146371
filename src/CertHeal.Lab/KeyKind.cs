namespace CertHeal.Lab;

public enum KeyKind
{
    Rsa2048,
    EcdsaP256,
}
