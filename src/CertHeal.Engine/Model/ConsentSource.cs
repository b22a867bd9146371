namespace CertHeal;

/// <summary>
/// What let one entry change in a written keystore, as the audit trail records it. Hosts only say
/// who answered the anchors that needed approval (<see cref="ApprovedByHost"/> or
/// <see cref="ApprovedByCommand"/>); the engine decides the rest from the plan's consent.
/// </summary>
public enum ConsentSource
{
    /// <summary>The trust policy alone: the certificate chains to a root the store or the OS already trusts.</summary>
    PolicyChain,

    /// <summary>A new anchor whose SHA-256 the caller named (or the ledger re-applied as named).</summary>
    PinnedFingerprint,

    /// <summary>A new anchor the person at the host confirmed when asked.</summary>
    ApprovedByHost,

    /// <summary>A new anchor an approval hook (a runbook command or script) approved.</summary>
    ApprovedByCommand,

    /// <summary>A new anchor approved by a blanket approval of everything the policy allows, nobody asked.</summary>
    Forced,

    /// <summary>An entry taken out because a distrust rule names it, at the caller's request; no trust was added.</summary>
    DistrustRemoval,
    /// <summary>An entry taken out because the caller forgot it on purpose (a forget); no trust was added.</summary>
    ForgetRequest,
}
