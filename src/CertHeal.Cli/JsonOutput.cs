using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace CertHeal.Cli;

/// <summary>--json: the engine objects with their PowerShell property names; enums as names.</summary>
internal static class JsonOutput
{
    /// <summary>
    /// The generated metadata (<see cref="CliJson"/>, enums by name) under the options --json has
    /// always had: the dotnet tool and the native certheal print the same bytes.
    /// </summary>
    public static readonly CliJson Types = new(new JsonSerializerOptions
    {
        WriteIndented = true,
        PropertyNamingPolicy = null,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    public static Task WriteAsync<T>(TextWriter writer, IReadOnlyList<T> items, JsonTypeInfo<IReadOnlyList<T>> type) =>
        writer.WriteLineAsync(JsonSerializer.Serialize(items, type));

    /// <summary>
    /// A verb that changes state prints one object with a top-level Changed, never an array, so a
    /// configuration tool reads it the same way for every such verb
    /// (Ansible: <c>changed_when: (out.stdout | from_json).Changed</c>).
    /// </summary>
    public static Task WriteOneAsync<T>(TextWriter writer, T item, JsonTypeInfo<T> type) =>
        writer.WriteLineAsync(JsonSerializer.Serialize(item, type));
}
