using System.Text.Json.Serialization;
using CertHeal.Discovery;
using CertHeal.Trust;

namespace CertHeal.Cli;

/// <summary>
/// Every shape --json prints, as metadata generated at compile time: the native certheal is trimmed
/// and compiled ahead of time, where a reflection-based serializer would lose members or fail. Each
/// verb names its entry here, so a shape missing from this list does not compile.
/// </summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(IReadOnlyList<ChainCertificate>))]
[JsonSerializable(typeof(IReadOnlyList<KeystoreReport>))]
[JsonSerializable(typeof(IReadOnlyList<HandshakeResult>))]
[JsonSerializable(typeof(IReadOnlyList<TlsBypass>))]
[JsonSerializable(typeof(IReadOnlyList<KeystoreLocation>))]
[JsonSerializable(typeof(IReadOnlyList<KeystoreHook>))]
[JsonSerializable(typeof(HandshakeResult))]
[JsonSerializable(typeof(KeystoreChange))]
[JsonSerializable(typeof(HealedResponse))]
[JsonSerializable(typeof(LedgerPruneResult))]
[JsonSerializable(typeof(ForgetVerb.ForgetOutput))]
[JsonSerializable(typeof(SyncVerb.SyncOutput))]
[JsonSerializable(typeof(SyncVerb.HookOutput))]
internal sealed partial class CliJson : JsonSerializerContext;
