using System.Text;
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
    public static async Task WriteOneAsync<T>(TextWriter writer, T item, JsonTypeInfo<T> type)
    {
        if (writer is StreamWriter { Encoding: UTF8Encoding } utf8)
        {
            // Streamed as UTF-8, the same bytes: a 20,000-entry merge's change as one string was
            // twice its size in memory again, on top of the serializer's own buffer.
            await utf8.FlushAsync().ConfigureAwait(false);
            await JsonSerializer.SerializeAsync(utf8.BaseStream, item, type).ConfigureAwait(false);
            await utf8.WriteLineAsync().ConfigureAwait(false);
            return;
        }
        await writer.WriteLineAsync(JsonSerializer.Serialize(item, type)).ConfigureAwait(false);
    }
}
