using System.Collections.ObjectModel;
using System.Management.Automation;

namespace CertHeal.PowerShell.Tests.Harness;

/// <summary>Everything one script run produced: output objects, errors (and a terminating one), and every stream.</summary>
public sealed class PsResult
{
    public required IReadOnlyList<PSObject> Output { get; init; }

    /// <summary>Non-terminating errors (WriteError), in order.</summary>
    public required IReadOnlyList<ErrorRecord> Errors { get; init; }

    /// <summary>The error that stopped the script (ThrowTerminatingError, -ErrorAction Stop, throw), or null.</summary>
    public ErrorRecord? Terminating { get; init; }

    public required IReadOnlyList<VerboseRecord> Verbose { get; init; }
    public required IReadOnlyList<WarningRecord> Warnings { get; init; }
    public required IReadOnlyList<InformationRecord> Information { get; init; }
    public required IReadOnlyList<DebugRecord> Debug { get; init; }
    public required IReadOnlyList<ProgressRecord> Progress { get; init; }

    /// <summary>Every error, non-terminating first, then the terminating one.</summary>
    public IReadOnlyList<ErrorRecord> AllErrors => Terminating is null ? Errors : [.. Errors, Terminating];

    /// <summary>The ErrorId of each error (FullyQualifiedErrorId up to its first comma).</summary>
    public IReadOnlyList<string> ErrorIds => AllErrors.Select(ErrorId).ToList();

    public IReadOnlyList<string> VerboseText => Verbose.Select(v => v.Message).ToList();

    public static string ErrorId(ErrorRecord record) => record.FullyQualifiedErrorId.Split(',')[0];

    internal static PsResult From(System.Management.Automation.PowerShell shell, Collection<PSObject> output, ErrorRecord? terminating) => new()
    {
        Output = output.Where(o => o is not null).ToList(),
        Errors = [.. shell.Streams.Error],
        Terminating = terminating,
        Verbose = [.. shell.Streams.Verbose],
        Warnings = [.. shell.Streams.Warning],
        Information = [.. shell.Streams.Information],
        Debug = [.. shell.Streams.Debug],
        Progress = [.. shell.Streams.Progress],
    };

    /// <summary>The one output object (fails with the errors when there is not exactly one).</summary>
    public PSObject Single()
    {
        if (Output.Count != 1)
        {
            throw new Xunit.Sdk.XunitException($"Expected one output object, got {Output.Count}. {Describe()}");
        }
        return Output[0];
    }

    public void AssertNoErrors()
    {
        if (AllErrors.Count > 0)
        {
            throw new Xunit.Sdk.XunitException("Expected no errors. " + Describe());
        }
    }

    /// <summary>The one error with <paramref name="errorId"/> (non-terminating or terminating).</summary>
    public ErrorRecord Error(string errorId)
    {
        var matching = AllErrors.Where(e => ErrorId(e) == errorId).ToList();
        if (matching.Count != 1)
        {
            throw new Xunit.Sdk.XunitException($"Expected one error {errorId}, got {matching.Count}. {Describe()}");
        }
        return matching[0];
    }

    /// <summary>Errors and output in one readable paragraph, for assertion messages.</summary>
    public string Describe()
    {
        var lines = new List<string> { $"{Output.Count} output object(s)." };
        lines.AddRange(Errors.Select(e => $"Error {e.FullyQualifiedErrorId} ({e.CategoryInfo.Category}, target '{e.TargetObject}'): {e.Exception.Message}"));
        if (Terminating is not null)
        {
            lines.Add($"Terminating {Terminating.FullyQualifiedErrorId} ({Terminating.CategoryInfo.Category}, target '{Terminating.TargetObject}'): {Terminating.Exception.Message}");
        }
        return string.Join(Environment.NewLine, lines);
    }
}

/// <summary>Property access on output objects (live or deserialized) without referencing the module's types.</summary>
public static class PSObjectExtensions
{
    /// <summary>A property's value converted to <typeparamref name="T"/> the way PowerShell converts (enums from names too).</summary>
    public static T Value<T>(this PSObject item, string name)
    {
        var property = item.Properties[name] ?? throw new Xunit.Sdk.XunitException($"{item.TypeNames.FirstOrDefault()} has no property {name}.");
        return LanguagePrimitives.ConvertTo<T>(property.Value);
    }

    /// <summary>A property's raw value (unwrapped from PSObject).</summary>
    public static object? Value(this PSObject item, string name)
    {
        var value = (item.Properties[name] ?? throw new Xunit.Sdk.XunitException($"{item.TypeNames.FirstOrDefault()} has no property {name}.")).Value;
        return value is PSObject ps ? ps.BaseObject : value;
    }

    /// <summary>An array-valued property as PSObjects (e.g. KeystoreChange.Entries).</summary>
    public static IReadOnlyList<PSObject> Items(this PSObject item, string name) =>
        LanguagePrimitives.GetEnumerable(item.Properties[name]?.Value)?.Cast<object>().Select(PSObject.AsPSObject).ToList() ?? [];

    /// <summary>The type name PowerShell shows first (Deserialized.* after a PSSerializer round trip).</summary>
    public static string TypeName(this PSObject item) => item.TypeNames.FirstOrDefault() ?? "";
}
