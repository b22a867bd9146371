using System.Management.Automation;
using CertHeal.Handshake;

namespace CertHeal.Internal;

/// <summary>Parses -Target values the same way for every cmdlet; a bad one is a non-terminating error.</summary>
internal static class TargetBinding
{
    public static void Collect(Cmdlet cmdlet, IEnumerable<string> values, int? port, string? serverName, List<TlsTarget> into)
    {
        foreach (var text in values)
        {
            if (TlsTarget.TryParse(text, port, serverName, out var target, out var error))
            {
                into.Add(target);
            }
            else
            {
                cmdlet.WriteError(new ErrorRecord(new ArgumentException(error), ErrorIds.InvalidTarget, ErrorCategory.InvalidArgument, text));
            }
        }
    }
}
