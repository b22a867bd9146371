using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CertHeal.Cli;

/// <summary>--json: the engine objects with their PowerShell property names; enums as names.</summary>
internal static class JsonOutput
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = null,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter() },
    };

    public static Task WriteAsync<T>(TextWriter writer, IReadOnlyList<T> items) =>
        writer.WriteLineAsync(JsonSerializer.Serialize(items, Options));

    /// <summary>
    /// A verb that changes state prints one object with a top-level Changed, never an array, so a
    /// configuration tool reads it the same way for every such verb
    /// (Ansible: <c>changed_when: (out.stdout | from_json).Changed</c>).
    /// </summary>
    public static Task WriteOneAsync<T>(TextWriter writer, T item) =>
        writer.WriteLineAsync(JsonSerializer.Serialize(item, Options));
}
