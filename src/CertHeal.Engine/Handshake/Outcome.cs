namespace CertHeal.Handshake;

/// <summary>The classified end of one probe, before it is copied onto a HandshakeResult; Remedy's probe settings are filled there.</summary>
internal sealed record Outcome(HandshakeFailure Failure, string Reason, string? TrustedBy = null, bool Healable = false, Remedy? Remedy = null);
