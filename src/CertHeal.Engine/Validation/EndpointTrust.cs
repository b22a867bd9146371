namespace CertHeal.Validation;

/// <summary>
/// What a keystore check asks of an endpoint: does the keystore make the chain it presents
/// trusted? A server that only this machine's TLS policy cannot reach (TLS 1.0, a suite it
/// forbids; chain captured with BouncyCastle) or whose trusted chain is weak still counts as
/// trusted: those are the server's problems, and no keystore change would fix them.
/// </summary>
internal static class EndpointTrust
{
    public static bool Trusts(HandshakeResult result) => result.Succeeded || result.TrustedBy is not null;
}
