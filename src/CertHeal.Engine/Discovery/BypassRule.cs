using System.Text.RegularExpressions;

namespace CertHeal.Discovery;

/// <summary>
/// One pattern that switches validation off: the group <c>setting</c> holds the switch as written,
/// an optional group <c>endpoint</c> the host it is for. <see cref="Only"/> limits it to file kinds
/// whose syntax gives it that meaning (null: every file, every command line).
/// </summary>
internal sealed record BypassRule(TlsBypassKind Kind, string Client, Regex Pattern, BypassFileKind[]? Only = null)
{
    public bool AppliesTo(BypassFileKind kind) => Only is null || Only.Contains(kind);
}
