using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Keystores;

/// <summary>
/// Told about every merge that really wrote a keystore (after the rename), with the certificates
/// it was given: the trust ledger's hook into the one merge path.
/// </summary>
public interface IMergeRecorder
{
    void Record(KeystoreChange change, IReadOnlyList<X509Certificate2> incoming, IReadOnlyList<Handshake.TlsTarget> endpoints);

    /// <summary>When the certificate of this SHA-256 was forgotten on purpose (the merge then refuses it unless it is named); null when it was not.</summary>
    DateTime? ForgottenOn(string sha256Fingerprint) => null;
}
