using System.Text;

namespace CertHeal.Cli;

/// <summary>
/// A compact fixed-width table, like PowerShell's default view of the same objects. It fits an
/// 80-column console: when the last column (a Reason, a message) would not fit, it moves to its
/// own indented, wrapped lines under the row, so nothing is cut that a person needs at 3 a.m.
/// Output is plain text, never colored, so pipes, logs and NO_COLOR consoles read the same.
/// </summary>
internal static class TableOutput
{
    public const int ConsoleWidth = 80;
    private const int CellMax = 40;
    private const int Indent = 4;

    public static string Format(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, int lastColumnMax = 100)
    {
        var last = headers.Count - 1;
        var all = rows.Select(r => r.Select((c, i) => Cut(c, i == last ? lastColumnMax : CellMax)).ToList()).ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, all.Count == 0 ? 0 : all.Max(r => r[i].Length))).ToArray();
        var below = widths.Sum() + 2 * last > ConsoleWidth;
        var shown = below ? last : headers.Count;
        // Still too wide (long subjects, many columns): narrow the widest shown column, cutting its cells with "...".
        while (widths.Take(shown).Sum() + 2 * (shown - 1) > ConsoleWidth && widths.Take(shown).Max() > 12)
        {
            var widest = Array.IndexOf(widths, widths.Take(shown).Max());
            widths[widest]--;
        }
        all = all.Select(r => r.Select((c, i) => i < shown ? Cut(c, widths[i]) : c).ToList()).ToList();
        var text = new StringBuilder();
        void Line(IReadOnlyList<string> cells) =>
            text.AppendLine(string.Join("  ", cells.Take(shown).Select((c, i) => i == shown - 1 ? c : c.PadRight(widths[i]))).TrimEnd());
        Line(headers.Select((h, i) => i < shown ? Cut(h, widths[i]) : h).ToList());
        Line(widths.Select(w => new string('-', w)).ToList());
        foreach (var row in all)
        {
            Line(row);
            if (below && row[last].Length > 0)
            {
                foreach (var wrapped in Wrap(row[last], ConsoleWidth - Indent))
                {
                    text.Append(' ', Indent).AppendLine(wrapped);
                }
            }
        }
        return text.ToString();
    }

    /// <summary>
    /// A table written row by row as results arrive (10,000 probes stream instead of waiting for
    /// the last): column widths are fixed up front from what is known before the first row, and
    /// the last column goes below each row, wrapped, so every line fits 80 columns.
    /// </summary>
    public sealed class Stream(IReadOnlyList<string> headers, IReadOnlyList<int> widths)
    {
        private readonly int[] _widths = headers.Take(headers.Count - 1).Select((h, i) => Math.Max(h.Length, Math.Min(widths[i], CellMax))).ToArray();

        public string Header()
        {
            var text = new StringBuilder();
            text.AppendLine(string.Join("  ", headers.Take(_widths.Length).Select((h, i) => h.PadRight(_widths[i]))).TrimEnd());
            text.AppendLine(string.Join("  ", _widths.Select(w => new string('-', w))));
            return text.ToString();
        }

        public string Row(IReadOnlyList<string> cells)
        {
            var text = new StringBuilder();
            text.AppendLine(string.Join("  ", cells.Take(_widths.Length).Select((c, i) => Cut(c, _widths[i]).PadRight(_widths[i]))).TrimEnd());
            foreach (var wrapped in Wrap(cells[^1], ConsoleWidth - Indent))
            {
                text.Append(' ', Indent).AppendLine(wrapped);
            }
            return text.ToString();
        }
    }

    private static string Cut(string cell, int max) => cell.Length > max ? cell[..Math.Max(0, max - 3)] + "..." : cell;

    /// <summary>Greedy word wrap; a word longer than the width (a URL, a fingerprint) is split.</summary>
    internal static IEnumerable<string> Wrap(string text, int width)
    {
        var line = new StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var rest = word;
            while (rest.Length > 0)
            {
                var room = line.Length == 0 ? width : width - line.Length - 1;
                if (rest.Length <= room)
                {
                    line.Append(line.Length == 0 ? "" : " ").Append(rest);
                    rest = "";
                }
                else if (line.Length > 0)
                {
                    yield return line.ToString();
                    line.Clear();
                }
                else
                {
                    yield return rest[..width];
                    rest = rest[width..];
                }
            }
        }
        if (line.Length > 0)
        {
            yield return line.ToString();
        }
    }
}
