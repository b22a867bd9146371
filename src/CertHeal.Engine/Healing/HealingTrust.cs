using System.Security.Cryptography.X509Certificates;
using CertHeal.Keystores;
using CertHeal.Trust;

namespace CertHeal.Healing;

/// <summary>Trust for the heal loop: the system's anchors plus the keystore's entries (the keystore may not exist yet).</summary>
internal static class HealingTrust
{
    public static Keystore? OpenKeystore(HealingOptions options) =>
        File.Exists(options.KeystorePath) || Directory.Exists(options.KeystorePath)
            ? KeystoreFile.Open(options.KeystorePath, options.Format, options.Password)
            : null;

    public static TrustAnchors Load(HealingOptions options)
    {
        var system = options.System ?? TrustAnchors.System;
        IEnumerable<X509Certificate2> certificates = [.. system.Roots, .. system.Intermediates, .. OpenKeystore(options)?.TrustedEntries.Select(e => e.Certificate!) ?? []];
        return TrustAnchors.FromCertificates($"{system.Name} + {options.KeystorePath}", certificates);
    }
}
