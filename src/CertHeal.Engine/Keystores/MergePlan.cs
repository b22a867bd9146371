using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Keystores;

/// <summary>
/// What a merge would do, read without the store's lock: each incoming certificate with its typed
/// consent (<see cref="KeystoreChangeEntry.Consent"/>). A host asks about <see cref="NeedsApproval"/>
/// on its own thread, with no lock held, then hands the approvals to <see cref="KeystoreMerger.Commit"/>.
/// </summary>
public sealed class MergePlan
{
    internal MergePlan(string path, KeystoreFormat? format, KeystorePassword? password, IReadOnlyList<X509Certificate2> incoming,
        MergeOptions options, KeystoreChange change, byte[]? digest, bool storeExisted, MergeDecisions decisions)
    {
        (Path, Format, Password, Incoming, Options, Change, Digest, StoreExisted, Decisions) =
            (path, format, password, incoming, options, change, digest, storeExisted, decisions);
    }

    /// <summary>The plan as a WhatIf change: what would be written if every anchor that needs approval got it.</summary>
    public KeystoreChange Change { get; }

    /// <summary>The anchors someone must approve, once each (certificates below an incoming root follow its answer).</summary>
    public IReadOnlyList<KeystoreChangeEntry> NeedsApproval => Change.Entries
        .Where(e => e.Consent == AnchorConsentKind.NeedsApproval && e.ApprovalFingerprint == e.Sha256Fingerprint).ToList();

    internal string Path { get; }
    internal KeystoreFormat? Format { get; }
    internal KeystorePassword? Password { get; }
    internal IReadOnlyList<X509Certificate2> Incoming { get; }
    internal MergeOptions Options { get; }

    /// <summary>SHA-256 of the store bytes the plan read; null when the store kind has no single file to hash.</summary>
    internal byte[]? Digest { get; }
    internal bool StoreExisted { get; }
    internal MergeDecisions Decisions { get; }

    /// <summary>The store's certificates the plan parsed, for the commit to reuse by their bytes (and free).</summary>
    internal IReadOnlyList<X509Certificate2> Parsed { get; set; } = [];

    /// <summary>Whether the commit found the store changed since the plan and planned again under the lock.</summary>
    internal bool Replanned { get; set; }

    /// <summary>Whether the store under the lock is still what the plan read, so its decisions stand.</summary>
    internal bool Matches(Keystore current) =>
        Digest is null ? !StoreExisted && current.IsNew : current.SourceDigest is { } now && now.AsSpan().SequenceEqual(Digest);
}
