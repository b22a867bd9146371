using System.Text.Json.Serialization;

namespace CertHeal.Lab;

/// <summary>The shared lab daemon's state file, serialized from compile-time metadata so the native (trimmed, ahead-of-time) certheal can run the lab too.</summary>
[JsonSerializable(typeof(SharedLabDaemon.State))]
internal sealed partial class LabStateJson : JsonSerializerContext;
