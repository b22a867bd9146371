namespace CertHeal.Handshake;

/// <summary>The classified end of one probe, before it is copied onto a HandshakeResult.</summary>
internal sealed record Outcome(HandshakeFailure Failure, string Reason, string? TrustedBy = null, bool Healable = false, string? Recommendation = null);
