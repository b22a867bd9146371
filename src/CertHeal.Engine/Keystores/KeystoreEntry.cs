using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Keystores;

public enum KeystoreEntryType
{
    TrustedCertificate,
    PrivateKey,
    Other,
}

/// <summary>
/// One entry of a keystore. Entries CertHeal does not manage (private keys, secret keys) keep
/// their original bytes in <see cref="Origin"/> and are written back exactly as read.
/// </summary>
public sealed class KeystoreEntry
{
    /// <summary>Guards the deferred parse; private, because callers hold entries (a public type) and may lock them themselves.</summary>
    private readonly object _gate = new();

    private X509Certificate2? _certificate;

    /// <summary>The certificate's bytes as read when its parse was deferred (<see cref="CertificateDeferral"/>); kept after the parse.</summary>
    private byte[]? _der;

    /// <summary>Whether <see cref="_der"/> still waits for its parse.</summary>
    private volatile bool _pending;

    private string? _fingerprint;

    public string Alias { get; set; } = "";
    public KeystoreEntryType EntryType { get; set; }

    /// <summary>The trusted certificate, or the first certificate of a private-key entry's chain.</summary>
    public X509Certificate2? Certificate
    {
        get
        {
            if (_pending)
            {
                Parse();
            }
            return _certificate;
        }
        set
        {
            lock (_gate)
            {
                (_certificate, _der, _pending, _fingerprint) = (value, null, false, null);
            }
        }
    }

    public DateTime? CreationDate { get; set; }

    /// <summary>Why the entry could not be read (the rest of the keystore still is).</summary>
    public string? Unreadable { get; set; }

    /// <summary>
    /// Where the entry was read from, in its format's own terms (the bytes copied, never re-encoded,
    /// or the file or thumbprint it lives under); null for an entry that is new or was changed so
    /// that it must be written as new. A codec treats another format's origin as null.
    /// </summary>
    internal EntryOrigin? Origin { get; set; }

    /// <summary>The certificate's bytes exactly as read or given, without parsing it (also for a deferred one that turned out unreadable).</summary>
    internal byte[]? CertificateBytes => _der ?? (_certificate is null ? null : NonCanonicalCertificate.Der(_certificate));

    /// <summary>The certificate if something has parsed it (a deferred one that nobody needed stays unparsed).</summary>
    internal X509Certificate2? ParsedCertificate => _certificate;

    /// <summary>The SHA-256 of <see cref="CertificateBytes"/> in upper-case hex, as CertificateFacts.Sha256Fingerprint gives it.</summary>
    internal string? Sha256Fingerprint => _fingerprint ??= CertificateBytes is { } der ? Convert.ToHexString(SHA256.HashData(der)) : null;

    /// <summary>Keeps <paramref name="der"/> to be parsed on first use of <see cref="Certificate"/>; the codec checked it is a well-formed certificate.</summary>
    internal void DeferCertificate(byte[] der)
    {
        lock (_gate)
        {
            (_certificate, _der, _pending, _fingerprint) = (null, der, true, null);
        }
    }

    private void Parse()
    {
        lock (_gate)
        {
            if (!_pending)
            {
                return;
            }
            try
            {
                _certificate = NonCanonicalCertificate.Load(_der!);
            }
            catch (CryptographicException e)
            {
                Unreadable ??= $"its certificate does not parse ({e.Message.TrimEnd('.')})";
            }
            _pending = false;
        }
    }
}
