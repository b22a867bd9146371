using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace CertHeal.Trust;

/// <summary>
/// The ledger's records as JSON, from metadata generated at compile time: the native certheal is
/// trimmed and compiled ahead of time, where reflection over the record types is not there to use.
/// </summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(LedgerEntry))]
[JsonSerializable(typeof(LedgerStore))]
[JsonSerializable(typeof(LedgerDocument))]
internal sealed partial class LedgerJson : JsonSerializerContext
{
    /// <summary>The metadata of a record type the ledger reads and writes; a type missing above fails here, in every test that writes it.</summary>
    internal static JsonTypeInfo<T> Info<T>(JsonSerializerOptions options) => (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
}
