namespace CertHeal.Healing;

/// <summary>
/// A handshake failure the heal loop could not or would not heal (NameMismatch, Expired, a
/// policy refusal, ...). Nothing was written; Handshake says why in one sentence.
/// </summary>
public sealed class HealingException(string message, HandshakeResult? handshake, KeystoreChange? change = null, Exception? inner = null)
    : HttpRequestException(message, inner)
{
    public HandshakeResult? Handshake { get; } = handshake;
    public KeystoreChange? Change { get; } = change;
}
