using System.Text.Json.Serialization;

namespace CertHeal.Trust;

/// <summary>
/// Audit records as JSON, generated at compile time (the native certheal has no reflection-based
/// serializer). Enums by name: an auditor reads "PinnedFingerprint", and a later enum member never
/// renumbers history.
/// </summary>
[JsonSourceGenerationOptions(WriteIndented = true, UseStringEnumConverter = true)]
[JsonSerializable(typeof(AuditRecord))]
internal sealed partial class AuditJson : JsonSerializerContext;
