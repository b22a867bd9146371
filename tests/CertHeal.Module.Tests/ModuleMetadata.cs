using System.Reflection;
using System.Runtime.InteropServices;

namespace CertHeal.Module.Tests;

/// <summary>
/// The compiled module as PowerShell would see it, read with MetadataLoadContext so no
/// PowerShell runtime is needed: cmdlet classes, their attributes and parameters.
/// </summary>
public sealed class ModuleMetadata : IDisposable
{
    private readonly MetadataLoadContext _context;

    public ModuleMetadata()
    {
        var here = AppContext.BaseDirectory;
        var paths = Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll")
            .Concat(Directory.GetFiles(here, "*.dll"))
            .GroupBy(Path.GetFileName).Select(g => g.Last());
        _context = new MetadataLoadContext(new PathAssemblyResolver(paths), "System.Runtime");
        Module = _context.LoadFromAssemblyPath(Path.Combine(here, "CertHeal.dll"));
        Automation = _context.LoadFromAssemblyName("System.Management.Automation");
        Cmdlets = Module.GetTypes().Where(t => t.GetCustomAttributesData().Any(IsCmdletAttribute)).ToList();
    }

    public Assembly Module { get; }
    public Assembly Automation { get; }
    public IReadOnlyList<Type> Cmdlets { get; }

    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CertHeal.sln")))
            {
                dir = dir.Parent;
            }
            return dir?.FullName ?? throw new InvalidOperationException("CertHeal.sln not found above the test folder.");
        }
    }

    public static bool IsCmdletAttribute(CustomAttributeData a) => a.AttributeType.FullName == "System.Management.Automation.CmdletAttribute";

    public static string CmdletName(Type cmdlet)
    {
        var attribute = cmdlet.GetCustomAttributesData().Single(IsCmdletAttribute);
        return $"{attribute.ConstructorArguments[0].Value}-{attribute.ConstructorArguments[1].Value}";
    }

    public static string Verb(Type cmdlet) => CmdletName(cmdlet).Split('-')[0];

    /// <summary>The [Parameter] properties of a cmdlet (common parameters are not declared by it).</summary>
    public static IEnumerable<PropertyInfo> Parameters(Type cmdlet) =>
        cmdlet.GetProperties(BindingFlags.Instance | BindingFlags.Public)
            .Where(p => p.GetCustomAttributesData().Any(a => a.AttributeType.FullName == "System.Management.Automation.ParameterAttribute"));

    /// <summary>Every verb PowerShell approves: the constants of the Verbs* classes in System.Management.Automation.</summary>
    public IReadOnlySet<string> ApprovedVerbs() => Automation.GetTypes()
        .Where(t => t.Namespace == "System.Management.Automation" && t.Name.StartsWith("Verbs", StringComparison.Ordinal))
        .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToHashSet(StringComparer.Ordinal);

    public void Dispose() => _context.Dispose();
}
