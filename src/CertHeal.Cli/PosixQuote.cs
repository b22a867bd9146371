using System.Text.RegularExpressions;

namespace CertHeal.Cli;

/// <summary>
/// Quotes one argument for a POSIX shell (sh, bash, zsh): bare when it holds only characters
/// no shell treats specially, otherwise in single quotes, where nothing is special except the
/// quote itself, which closes, is escaped, and reopens.
/// </summary>
internal static partial class PosixQuote
{
    public static string Quote(string value) =>
        value.Length > 0 && Safe().IsMatch(value) ? value : "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [GeneratedRegex("^[A-Za-z0-9_@%+=:,./-]+$")]
    private static partial Regex Safe();
}
