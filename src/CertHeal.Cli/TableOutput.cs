using System.Text;

namespace CertHeal.Cli;

/// <summary>A compact fixed-width table, like PowerShell's default view of the same objects.</summary>
internal static class TableOutput
{
    public static string Format(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, int lastColumnMax = 100)
    {
        var all = rows.Select(r => r.Select((c, i) => i == r.Count - 1 && c.Length > lastColumnMax ? c[..(lastColumnMax - 3)] + "..." : c).ToList()).ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, all.Count == 0 ? 0 : all.Max(r => r[i].Length))).ToArray();
        var text = new StringBuilder();
        void Line(IReadOnlyList<string> cells) =>
            text.AppendLine(string.Join("  ", cells.Select((c, i) => i == cells.Count - 1 ? c : c.PadRight(widths[i]))).TrimEnd());
        Line(headers);
        Line(widths.Select(w => new string('-', w)).ToList());
        foreach (var row in all)
        {
            Line(row);
        }
        return text.ToString();
    }
}
