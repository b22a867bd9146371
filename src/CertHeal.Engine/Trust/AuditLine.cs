using System.Text;

namespace CertHeal.Trust;

/// <summary>
/// The one system-log line of an audit record: enough for a SIEM to alert on (who, which store,
/// how many entries, which consent, where the full record is), short enough for a syslog message
/// (1 KiB by default), on one line whatever a path contains.
/// </summary>
internal static class AuditLine
{
    internal const int MaxLength = 900;
    private const int MaxFingerprints = 4;

    internal static string Of(AuditRecord record, string? auditFile)
    {
        var count = (KeystoreChangeAction action) => record.Entries.Count(e => e.Action == action);
        var line = new StringBuilder("keystore written: ")
            .Append("store=").Append(Quote(record.Store))
            .Append(" format=").Append(record.Format)
            .Append(" added=").Append(count(KeystoreChangeAction.Added))
            .Append(" replaced=").Append(count(KeystoreChangeAction.Replaced))
            .Append(" removed=").Append(count(KeystoreChangeAction.Removed))
            .Append(" policy=").Append(record.Policy)
            .Append(" consent=").Append(record.Consents.Length == 0 ? "none" : string.Join(',', record.Consents));
        Fingerprints(line, "pinned", record.PinnedFingerprints);
        Fingerprints(line, "approved", record.ApprovedFingerprints);
        line.Append(" user=").Append(Quote(record.User))
            .Append(" host=").Append(Quote(record.Host))
            .Append(" pid=").Append(record.ProcessId)
            .Append(" process=").Append(Quote(record.ProcessName))
            .Append(" audit=").Append(auditFile is null ? "not-written" : Quote(auditFile));
        var text = line.ToString();
        return text.Length <= MaxLength ? text : text[..(MaxLength - 3)] + "...";
    }

    private static void Fingerprints(StringBuilder line, string name, string[] fingerprints)
    {
        if (fingerprints.Length == 0)
        {
            return;
        }
        line.Append(' ').Append(name).Append("=SHA-256:").Append(string.Join(',', fingerprints.Take(MaxFingerprints)));
        if (fingerprints.Length > MaxFingerprints)
        {
            line.Append($"(+{fingerprints.Length - MaxFingerprints} more)");
        }
    }

    /// <summary>Quoted, with control characters replaced: a path with a newline must not forge a second log line.</summary>
    private static string Quote(string value)
    {
        var clean = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            clean.Append(char.IsControl(c) ? '?' : c is '"' or '\\' ? '_' : c);
        }
        return clean.Append('"').ToString();
    }
}
