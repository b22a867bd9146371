namespace CertHeal.Lab;

public enum KeyKind
{
    Rsa2048,

    /// <summary>Too weak for real use: lets tests produce WeakKey findings.</summary>
    Rsa1024,
    EcdsaP256,
}
