using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace CertHeal.Module.Tests;

/// <summary>
/// The help's source is docs/&lt;Cmdlet&gt;.md (platyPS layout) and docs/about_CertHeal.md;
/// tools/make_help.py writes en-US from them. These tests fail when a cmdlet or parameter is
/// undocumented, when a cmdlet has fewer than 3 examples, and when the Markdown and the
/// generated MAML disagree (someone edited one and did not regenerate the other).
/// </summary>
public sealed partial class HelpSourceTests(ModuleMetadata module) : IClassFixture<ModuleMetadata>
{
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    private static string Docs => Path.Combine(ModuleMetadata.RepoRoot, "docs");

    [Fact]
    public void Every_cmdlet_has_a_markdown_page_with_three_examples_and_every_parameter()
    {
        Assert.All(module.Cmdlets, cmdlet =>
        {
            var name = ModuleMetadata.CmdletName(cmdlet);
            var page = Path.Combine(Docs, name + ".md");
            Assert.True(File.Exists(page), $"docs/{name}.md is missing.");
            var doc = MarkdownHelp.Parse(File.ReadAllText(page));
            Assert.Equal(name, doc.Name);
            Assert.False(string.IsNullOrWhiteSpace(doc.Synopsis), $"{name}: empty SYNOPSIS.");
            Assert.True(doc.Examples.Count >= 3, $"{name} has {doc.Examples.Count} examples in docs/{name}.md; at least 3 real ops tasks are needed.");
            foreach (var parameter in ModuleMetadata.Parameters(cmdlet))
            {
                Assert.True(doc.Parameters.TryGetValue(parameter.Name, out var p) && p.Description.Length > 0,
                    $"{name} -{parameter.Name} is not documented in docs/{name}.md.");
            }
            Assert.All(doc.Parameters.Keys, documented => Assert.Contains(documented, ModuleMetadata.Parameters(cmdlet).Select(p => p.Name)));
        });
    }

    [Fact]
    public void The_markdown_and_the_generated_MAML_agree()
    {
        var help = XDocument.Load(Path.Combine(ModuleMetadata.RepoRoot, "en-US", "CertHeal.dll-Help.xml"));
        var commands = help.Descendants(Command + "command").ToDictionary(c => c.Element(Command + "details")!.Element(Command + "name")!.Value.Trim());
        var pages = Directory.GetFiles(Docs, "*.md").Where(p => !Path.GetFileName(p).StartsWith("about_", StringComparison.Ordinal)).ToList();
        Assert.Equal(pages.Select(Path.GetFileNameWithoutExtension).Order(), commands.Keys.Order());
        foreach (var page in pages)
        {
            var doc = MarkdownHelp.Parse(File.ReadAllText(page));
            var maml = commands[doc.Name];
            var regenerate = $"docs/{doc.Name}.md and en-US/CertHeal.dll-Help.xml disagree on {{0}}; run python3 tools/make_help.py.";
            Assert.True(Same(doc.Synopsis, Text(maml.Element(Command + "details")!.Element(Maml + "description")!)), string.Format(regenerate, "the synopsis"));
            Assert.True(Same(string.Join(" ", doc.Description), Text(maml.Element(Maml + "description")!)), string.Format(regenerate, "the description"));
            var examples = maml.Descendants(Command + "example").ToList();
            Assert.True(doc.Examples.Count == examples.Count, string.Format(regenerate, "the number of examples"));
            for (var i = 0; i < examples.Count; i++)
            {
                Assert.True(Same(doc.Examples[i].Code, examples[i].Element(Dev + "code")!.Value), string.Format(regenerate, $"example {i + 1}'s code"));
                Assert.True(Same(string.Join(" ", doc.Examples[i].Remarks), Text(examples[i].Element(Dev + "remarks")!)), string.Format(regenerate, $"example {i + 1}'s remarks"));
            }
            var parameters = maml.Element(Command + "parameters")!.Elements(Command + "parameter")
                .ToDictionary(p => p.Element(Maml + "name")!.Value.Trim());
            Assert.True(doc.Parameters.Keys.Order().SequenceEqual(parameters.Keys.Order()), string.Format(regenerate, "the parameter list"));
            foreach (var (name, p) in doc.Parameters)
            {
                var m = parameters[name];
                Assert.True(Same(p.Description, Text(m.Element(Maml + "description")!)), string.Format(regenerate, $"-{name}'s description"));
                Assert.True(p.Type == m.Element(Dev + "type")!.Element(Maml + "name")!.Value, string.Format(regenerate, $"-{name}'s type"));
                Assert.True(p.Required == (m.Attribute("required")!.Value == "true"), string.Format(regenerate, $"-{name}'s Required"));
                Assert.True(string.Equals(p.Position, m.Attribute("position")!.Value, StringComparison.OrdinalIgnoreCase), string.Format(regenerate, $"-{name}'s Position"));
                Assert.True(p.Pipeline == m.Attribute("pipelineInput")!.Value, string.Format(regenerate, $"-{name}'s pipeline input"));
            }
        }
    }

    [Fact]
    public void The_about_topic_is_generated_from_its_markdown()
    {
        var markdown = File.ReadAllText(Path.Combine(Docs, "about_CertHeal.md"));
        var text = File.ReadAllText(Path.Combine(ModuleMetadata.RepoRoot, "en-US", "about_CertHeal.help.txt"));
        Assert.StartsWith("TOPIC\n    about_CertHeal", text.ReplaceLineEndings("\n"));
        foreach (Match heading in Regex.Matches(markdown, "^## (.+)$", RegexOptions.Multiline))
        {
            Assert.Contains("\n" + heading.Groups[1].Value.Trim().ToUpperInvariant() + "\n", text.ReplaceLineEndings("\n"));
        }
        // Every word of the Markdown's prose is in the text (wrapping aside).
        var words = Regex.Matches(Regex.Replace(markdown, "^#.*$", "", RegexOptions.Multiline), @"[A-Za-z][A-Za-z\-]{6,}").Select(m => m.Value).Distinct();
        var flat = Regex.Replace(text, @"\s+", " ");
        Assert.All(words, w => Assert.Contains(w, flat));
    }

    private static bool Same(string a, string b) => Normalize(a) == Normalize(b);

    private static string Text(XElement element)
    {
        var paragraphs = element.Descendants(Maml + "para").Select(p => p.Value).ToList();
        return paragraphs.Count == 0 ? element.Value : string.Join(" ", paragraphs);
    }

    private static string Normalize(string text) => Regex.Replace(text, @"\s+", " ").Trim();
}

/// <summary>Just enough of platyPS's Markdown layout to compare it with the MAML.</summary>
internal sealed class MarkdownHelp
{
    public required string Name { get; init; }
    public required string Synopsis { get; init; }
    public required List<string> Description { get; init; }
    public required List<(string Title, string Code, List<string> Remarks)> Examples { get; init; }
    public required Dictionary<string, (string Description, string Type, bool Required, string Position, string Pipeline)> Parameters { get; init; }

    public static MarkdownHelp Parse(string text)
    {
        var lines = text.ReplaceLineEndings("\n").Split('\n').ToList();
        if (lines.Count > 0 && lines[0] == "---")
        {
            lines = lines.Skip(lines.IndexOf("---", 1) + 1).ToList();
        }
        var name = lines.First(l => l.StartsWith("# ", StringComparison.Ordinal))[2..].Trim();
        var sections = Split(lines, "## ");
        var examples = Split(sections.GetValueOrDefault("EXAMPLES") ?? [], "### ", ordered: true).Select(e =>
        {
            var (before, code, after) = Fence(e.Body);
            return (e.Title, string.Join("\n", code), Paragraphs(after));
        }).ToList();
        var parameters = new Dictionary<string, (string, string, bool, string, string)>(StringComparer.Ordinal);
        foreach (var (title, body) in Split(sections.GetValueOrDefault("PARAMETERS") ?? [], "### ", ordered: true))
        {
            if (title == "CommonParameters")
            {
                continue;
            }
            var (before, yaml, _) = Fence(body);
            var meta = yaml.Where(l => l.Contains(':')).ToDictionary(l => l[..l.IndexOf(':')].Trim(), l => l[(l.IndexOf(':') + 1)..].Trim());
            var position = meta.GetValueOrDefault("Position", "Named");
            parameters[title.TrimStart('-')] = (string.Join(" ", Paragraphs(before)), meta.GetValueOrDefault("Type", ""), meta.GetValueOrDefault("Required") == "True",
                position.Equals("Named", StringComparison.OrdinalIgnoreCase) ? "named" : position, meta.GetValueOrDefault("Accept pipeline input", "False"));
        }
        return new MarkdownHelp
        {
            Name = name,
            Synopsis = string.Join(" ", Paragraphs(sections.GetValueOrDefault("SYNOPSIS") ?? [])),
            Description = Paragraphs(sections.GetValueOrDefault("DESCRIPTION") ?? []),
            Examples = examples,
            Parameters = parameters,
        };
    }

    private static Dictionary<string, List<string>> Split(List<string> lines, string marker) =>
        Split(lines, marker, ordered: true).GroupBy(s => s.Title).ToDictionary(g => g.Key, g => g.First().Body);

    private static List<(string Title, List<string> Body)> Split(List<string> lines, string marker, bool ordered)
    {
        var result = new List<(string, List<string>)>();
        var fence = false;
        foreach (var line in lines)
        {
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                fence = !fence;
            }
            if (!fence && line.StartsWith(marker, StringComparison.Ordinal))
            {
                result.Add((line[marker.Length..].Trim(), []));
            }
            else if (result.Count > 0)
            {
                result[^1].Item2.Add(line);
            }
        }
        _ = ordered;
        return result;
    }

    private static (List<string> Before, List<string> Code, List<string> After) Fence(List<string> body)
    {
        var starts = body.Select((l, i) => (l, i)).Where(x => x.l.StartsWith("```", StringComparison.Ordinal)).Select(x => x.i).ToList();
        return starts.Count < 2 ? (body, [], []) : (body[..starts[0]], body[(starts[0] + 1)..starts[1]], body[(starts[1] + 1)..]);
    }

    private static List<string> Paragraphs(List<string> lines)
    {
        var result = new List<string>();
        var current = new List<string>();
        foreach (var line in lines)
        {
            if (line.Trim().Length == 0)
            {
                if (current.Count > 0)
                {
                    result.Add(string.Join(" ", current));
                    current.Clear();
                }
            }
            else
            {
                current.Add(line.Trim());
            }
        }
        if (current.Count > 0)
        {
            result.Add(string.Join(" ", current));
        }
        return result;
    }
}
