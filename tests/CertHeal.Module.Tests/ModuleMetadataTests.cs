using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace CertHeal.Module.Tests;

public sealed partial class ModuleMetadataTests : IClassFixture<ModuleMetadata>
{
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private readonly ModuleMetadata _module;

    public ModuleMetadataTests(ModuleMetadata module) => _module = module;

    [Fact]
    public void The_module_has_cmdlets()
    {
        Assert.NotEmpty(_module.Cmdlets);
        Assert.Contains("Test-TlsHandshake", _module.Cmdlets.Select(ModuleMetadata.CmdletName));
    }

    [Fact]
    public void Every_cmdlet_uses_an_approved_verb()
    {
        var approved = _module.ApprovedVerbs();
        Assert.Contains("Merge", approved);
        Assert.DoesNotContain("Heal", approved);
        Assert.All(_module.Cmdlets, c => Assert.Contains(ModuleMetadata.Verb(c), approved));
    }

    [Fact]
    public void CmdletsToExport_in_the_manifest_equals_the_cmdlet_classes()
    {
        var manifest = File.ReadAllText(Path.Combine(ModuleMetadata.RepoRoot, "CertHeal.psd1"));
        var match = ExportList().Match(manifest);
        Assert.True(match.Success, "CertHeal.psd1 has no CmdletsToExport = @(...) list.");
        var exported = Regex.Matches(match.Groups[1].Value, "'([^']+)'").Select(m => m.Groups[1].Value).Order().ToList();
        Assert.Equal(_module.Cmdlets.Select(ModuleMetadata.CmdletName).Order().ToList(), exported);
    }

    [Fact]
    public void Every_cmdlet_declares_OutputType_and_is_public_sealed_in_Commands()
    {
        Assert.All(_module.Cmdlets, c =>
        {
            Assert.Contains(c.GetCustomAttributesData(), a => a.AttributeType.FullName == "System.Management.Automation.OutputTypeAttribute");
            Assert.True(c.IsPublic && c.IsSealed, $"{c.Name} must be public sealed.");
            Assert.Equal("CertHeal.Commands", c.Namespace);
            Assert.Equal(ModuleMetadata.CmdletName(c).Replace("-", "") + "Command", c.Name);
        });
    }

    [Fact]
    public void Every_cmdlet_and_parameter_is_documented_in_the_MAML_help_with_examples()
    {
        var help = XDocument.Load(Path.Combine(ModuleMetadata.RepoRoot, "en-US", "CertHeal.dll-Help.xml"));
        var commands = help.Descendants(Command + "command").ToDictionary(
            c => c.Element(Command + "details")!.Element(Command + "name")!.Value.Trim());
        Assert.All(_module.Cmdlets, cmdlet =>
        {
            var name = ModuleMetadata.CmdletName(cmdlet);
            Assert.True(commands.TryGetValue(name, out var entry), $"{name} has no help entry.");
            var synopsis = entry!.Element(Command + "details")!.Element(Maml + "description")?.Value.Trim();
            Assert.False(string.IsNullOrEmpty(synopsis), $"{name} has no synopsis.");
            Assert.True(entry.Descendants(Command + "example").Count() >= 3, $"{name} needs at least three examples.");
            var documented = entry.Element(Command + "parameters")?.Elements(Command + "parameter")
                .ToDictionary(p => p.Element(Maml + "name")!.Value.Trim(), p => p.Element(Maml + "description")?.Value.Trim() ?? "")
                ?? [];
            foreach (var parameter in ModuleMetadata.Parameters(cmdlet))
            {
                Assert.True(documented.TryGetValue(parameter.Name, out var text) && text.Length > 0,
                    $"{name} -{parameter.Name} is not documented in en-US/CertHeal.dll-Help.xml.");
            }
        });
    }

    [Fact]
    public void The_format_file_has_a_view_for_every_declared_output_type()
    {
        var format = XDocument.Load(Path.Combine(ModuleMetadata.RepoRoot, "src", "CertHeal", "CertHeal.Format.ps1xml"));
        var viewed = format.Descendants("TypeName").Select(t => t.Value.Trim()).ToHashSet();
        var outputTypes = _module.Cmdlets.SelectMany(c => c.GetCustomAttributesData())
            .Where(a => a.AttributeType.FullName == "System.Management.Automation.OutputTypeAttribute")
            .SelectMany(a => a.ConstructorArguments)
            .SelectMany(arg => arg.Value is IEnumerable<System.Reflection.CustomAttributeTypedArgument> many ? many.Select(m => m.Value) : [arg.Value])
            .OfType<Type>().Select(t => t.FullName!).ToHashSet();
        Assert.NotEmpty(outputTypes);
        Assert.All(outputTypes, t => Assert.Contains(t, viewed));
    }

    [Fact]
    public void Table_views_fit_an_80_column_console_and_long_text_has_list_views()
    {
        var format = XDocument.Load(Path.Combine(ModuleMetadata.RepoRoot, "src", "CertHeal", "CertHeal.Format.ps1xml"));
        foreach (var view in format.Descendants("View").Where(v => v.Element("TableControl") is not null))
        {
            var name = view.Element("Name")!.Value;
            var widths = view.Descendants("TableColumnHeader").Select(h => h.Element("Width")?.Value).ToList();
            Assert.All(widths, w => Assert.True(w is not null, $"{name}: every table column needs a Width, so the table cannot outgrow 80 columns."));
            var total = widths.Sum(w => int.Parse(w!)) + widths.Count - 1;
            Assert.True(total <= 80, $"{name}'s table is {total} columns wide; move long text to its list view.");
            Assert.DoesNotContain(view.Descendants("TableColumnHeader"), h => h.Element("Label")?.Value is "Reason" or "Recommendation" or "Message"
                && view.Element("ViewSelectedBy")!.Value.Contains("HandshakeResult"));
        }
        foreach (var type in new[] { "CertHeal.HandshakeResult", "CertHeal.KeystoreReport", "CertHeal.KeystoreLocation" })
        {
            Assert.Contains(format.Descendants("View"), v => v.Element("ViewSelectedBy")!.Value.Trim() == type && v.Element("ListControl") is not null);
        }
        // Remoting-safe: the only type extension that ships is CertHeal.Types.ps1xml, and it only sets
        // SerializationDepth (so nested objects survive Invoke-Command); no ScriptProperty or other behaviour.
        var manifest = File.ReadAllText(Path.Combine(ModuleMetadata.RepoRoot, "CertHeal.psd1"));
        Assert.Contains("TypesToProcess       = @('CertHeal.Types.ps1xml')", manifest);
        var types = XDocument.Load(Path.Combine(ModuleMetadata.RepoRoot, "src", "CertHeal", "CertHeal.Types.ps1xml"));
        foreach (var member in types.Descendants("Members").Elements())
        {
            Assert.True(member.Name.LocalName == "MemberSet" && member.Element("Name")!.Value == "PSStandardMembers"
                || member.Name.LocalName == "NoteProperty" && member.Element("Name")!.Value is "SerializationDepth" or "SerializationMethod",
                $"CertHeal.Types.ps1xml may only set SerializationDepth/SerializationMethod, not {member.Name.LocalName} {member.Element("Name")?.Value}");
        }
        // Every enum of the output objects travels by name (an enum below the top level would arrive as a number).
        var stringTypes = types.Descendants("Type").Where(t => t.Descendants("NoteProperty").Any(n => n.Element("Name")!.Value == "SerializationMethod" && n.Element("Value")!.Value == "String"))
            .Select(t => t.Element("Name")!.Value).ToHashSet();
        foreach (var type in typeof(CertHeal.HandshakeResult).Assembly.GetExportedTypes().Where(t => t.IsEnum && t.Namespace == "CertHeal"))
        {
            Assert.Contains(type.FullName!, stringTypes);
        }
        Assert.DoesNotContain("<ScriptProperty", File.ReadAllText(Path.Combine(ModuleMetadata.RepoRoot, "src", "CertHeal", "CertHeal.Format.ps1xml")));
    }

    [GeneratedRegex(@"CmdletsToExport\s*=\s*@\(([^)]*)\)")]
    private static partial Regex ExportList();
}
