using System.Text;

namespace CertHeal.Discovery;

/// <summary>
/// The code of each line with its comments blanked out, line count kept, so a switch that is only
/// mentioned in a comment (`# curl -k was needed once`) is no finding. Quotes are tracked so a `#`
/// in a URL or string, or `//` in "https://", does not start a comment. Block comments (`/* */`,
/// PowerShell's `&lt;# #&gt;`) carry across lines; strings that span lines are not followed.
/// </summary>
internal static class BypassComments
{
    public static string[] Strip(string[] lines, BypassFileKind kind)
    {
        var code = new string[lines.Length];
        var inBlock = false;
        for (var i = 0; i < lines.Length; i++)
        {
            code[i] = kind switch
            {
                BypassFileKind.JavaScript or BypassFileKind.Java => Slashes(lines[i], ref inBlock),
                BypassFileKind.PowerShell => PowerShell(lines[i], ref inBlock),
                BypassFileKind.Python => Hash(lines[i], wordStart: false, semicolon: false),
                BypassFileKind.GitConfig => Hash(lines[i], wordStart: false, semicolon: true),
                // npm's ini, pip's configparser, curl and wget know only whole-line comments.
                BypassFileKind.Npmrc or BypassFileKind.PipConfig or BypassFileKind.Curlrc or BypassFileKind.Wgetrc =>
                    lines[i].TrimStart() is ['#' or ';', ..] ? "" : lines[i],
                // Shell: `#` is a comment only at a word's start (curl https://h/#x is not); systemd also takes `;` lines.
                _ => lines[i].TrimStart() is [';', ..] ? "" : Hash(lines[i], wordStart: true, semicolon: false),
            };
        }
        return code;
    }

    private static string Hash(string line, bool wordStart, bool semicolon)
    {
        var code = new StringBuilder(line.Length);
        char? quote = null;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '\\' && quote != '\'' && i + 1 < line.Length)
            {
                code.Append(c).Append(line[++i]);
                continue;
            }
            if (quote is not null)
            {
                quote = c == quote ? null : quote;
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if ((c == '#' || semicolon && c == ';') && (!wordStart || i == 0 || char.IsWhiteSpace(line[i - 1])))
            {
                break;
            }
            code.Append(c);
        }
        return code.ToString();
    }

    private static string Slashes(string line, ref bool inBlock)
    {
        var code = new StringBuilder(line.Length);
        char? quote = null;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            var next = i + 1 < line.Length ? line[i + 1] : '\0';
            if (inBlock)
            {
                if (c == '*' && next == '/')
                {
                    inBlock = false;
                    i++;
                }
                continue;
            }
            if (quote is not null)
            {
                code.Append(c);
                if (c == '\\' && next != '\0')
                {
                    code.Append(next);
                    i++;
                }
                else if (c == quote)
                {
                    quote = null;
                }
                continue;
            }
            if (c == '/' && next == '/')
            {
                break;
            }
            if (c == '/' && next == '*')
            {
                inBlock = true;
                i++;
                continue;
            }
            if (c is '"' or '\'' or '`')
            {
                quote = c;
            }
            code.Append(c);
        }
        return code.ToString();
    }

    private static string PowerShell(string line, ref bool inBlock)
    {
        var code = new StringBuilder(line.Length);
        char? quote = null;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            var next = i + 1 < line.Length ? line[i + 1] : '\0';
            if (inBlock)
            {
                if (c == '#' && next == '>')
                {
                    inBlock = false;
                    i++;
                }
                continue;
            }
            if (quote is not null)
            {
                code.Append(c);
                if (c == '`' && quote == '"' && next != '\0')
                {
                    code.Append(next);
                    i++;
                }
                else if (c == quote)
                {
                    quote = null;
                }
                continue;
            }
            if (c == '<' && next == '#')
            {
                inBlock = true;
                i++;
                continue;
            }
            if (c == '#' && (i == 0 || char.IsWhiteSpace(line[i - 1]) || line[i - 1] is ';' or '{' or '}' or '(' or ')'))
            {
                break;
            }
            if (c is '"' or '\'')
            {
                quote = c;
            }
            code.Append(c);
        }
        return code.ToString();
    }
}
