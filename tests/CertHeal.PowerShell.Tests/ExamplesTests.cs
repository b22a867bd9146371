using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text.RegularExpressions;
using CertHeal.PowerShell.Tests.Harness;

namespace CertHeal.PowerShell.Tests;

/// <summary>
/// The README's PowerShell examples and every Get-Help example parse, and every CertHeal
/// command in them uses parameters the shipped cmdlets really have (names, aliases or unique
/// prefixes), so they run as written once the hosts are real.
/// </summary>
public sealed partial class ExamplesTests
{
    [GeneratedRegex("```powershell\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex PowerShellBlock();

    private static Dictionary<string, CmdletInfo> Cmdlets(PsSession ps) =>
        ps.Run("Get-Command -Module CertHeal -CommandType Cmdlet").Output.Select(o => (CmdletInfo)o.BaseObject)
            .ToDictionary(c => c.Name, StringComparer.OrdinalIgnoreCase);

    private static IEnumerable<string> Problems(string code, IReadOnlyDictionary<string, CmdletInfo> cmdlets, string where)
    {
        var ast = Parser.ParseInput(code, out _, out var errors);
        foreach (var error in errors)
        {
            yield return $"{where}: {error.Message} ({error.Extent.Text})";
        }
        foreach (var command in ast.FindAll(a => a is CommandAst, true).Cast<CommandAst>())
        {
            if (command.GetCommandName() is not { } name || !cmdlets.TryGetValue(name, out var cmdlet))
            {
                continue;
            }
            var names = cmdlet.Parameters.Values.SelectMany(p => p.Aliases.Prepend(p.Name)).ToList();
            foreach (var parameter in command.CommandElements.OfType<CommandParameterAst>())
            {
                var exact = names.Any(n => string.Equals(n, parameter.ParameterName, StringComparison.OrdinalIgnoreCase));
                var prefixed = cmdlet.Parameters.Values.Count(p => p.Name.StartsWith(parameter.ParameterName, StringComparison.OrdinalIgnoreCase));
                if (!exact && prefixed != 1)
                {
                    yield return $"{where}: {name} has no parameter -{parameter.ParameterName}";
                }
            }
        }
    }

    [Fact]
    public void README_examples_parse_and_use_real_parameters()
    {
        using var ps = PsSession.NoUi();
        var cmdlets = Cmdlets(ps);
        var readme = File.ReadAllText(Path.Combine(ShippedModule.RepoRoot, "README.md")).ReplaceLineEndings("\n");
        var blocks = PowerShellBlock().Matches(readme).Select(m => m.Groups[1].Value).ToList();

        Assert.True(blocks.Count >= 2, "The README has no PowerShell examples.");
        Assert.Empty(blocks.SelectMany((code, i) => Problems(code, cmdlets, $"README block {i + 1}")));
    }

    [Fact]
    public void Help_examples_parse_and_use_real_parameters()
    {
        using var ps = PsSession.NoUi();
        var cmdlets = Cmdlets(ps);
        var problems = new List<string>();
        foreach (var name in cmdlets.Keys)
        {
            var examples = ps.Run("param($Name) @((Get-Help $Name -Examples).examples.example) | ForEach-Object { [string]$_.code }", new() { ["Name"] = name }).Output;
            Assert.NotEmpty(examples);
            problems.AddRange(examples.SelectMany((code, i) => Problems(code.BaseObject.ToString()!, cmdlets, $"{name} example {i + 1}")));
        }
        Assert.Empty(problems);
    }

    [Fact]
    public void Pester_files_parse_and_use_real_parameters()
    {
        // No pwsh or Pester here: the Pester files run before a release on a real host. This
        // keeps them from reaching it with a syntax error or a parameter the cmdlets lost.
        using var ps = PsSession.NoUi();
        var cmdlets = Cmdlets(ps);
        var files = Directory.GetFiles(Path.Combine(ShippedModule.RepoRoot, "tests"), "*.ps1");

        Assert.True(files.Count(f => f.EndsWith(".Tests.ps1", StringComparison.Ordinal)) >= 7, "The Pester files are missing.");
        // At least one Pester file per cmdlet, named after it, as users look for them.
        Assert.Empty(cmdlets.Keys.Where(name => !File.Exists(Path.Combine(ShippedModule.RepoRoot, "tests", name + ".Tests.ps1"))).Order());
        Assert.Empty(files.SelectMany(f => Problems(File.ReadAllText(f), cmdlets, Path.GetFileName(f))));
    }
}
