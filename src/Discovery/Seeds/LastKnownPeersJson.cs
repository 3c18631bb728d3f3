using System.Text.Json.Serialization;

namespace PeerMesh.Discovery.Seeds;

/// <summary>The peers file's serializer, generated at build time: no reflection and no emitted code in the node.</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(LastKnownPeersFile))]
internal sealed partial class LastKnownPeersJson : JsonSerializerContext;
