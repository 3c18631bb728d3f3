using System.Text.Json;
using System.Text.Json.Serialization;

namespace PeerMesh.TestSupport.Netns;

/// <summary>
/// `peermesh status --json`, version 1, as the scenarios read it. Times are kept as raw JSON (their format is the
/// daemon's); fields beyond the contract land in <see cref="Extra"/>.
/// </summary>
public sealed record MeshStatus(int Version, MeshStatusNode Node, IReadOnlyList<MeshStatusRepo> Repos, IReadOnlyList<MeshStatusPeer> Peers)
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }

    /// <summary>
    /// Scenario 7 wants status to say discovery is degraded; the v1 contract has no field for it yet, so this
    /// accepts any top-level "discovery" member whose JSON mentions "degraded" (e.g. {"mdns":"degraded"}).
    /// </summary>
    public bool SaysDiscoveryDegraded =>
        Extra is not null
        && Extra.TryGetValue("discovery", out var discovery)
        && discovery.GetRawText().Contains("degraded", StringComparison.OrdinalIgnoreCase);

    public MeshStatusPeer? Peer(string nodeId) => Peers.FirstOrDefault(p => p.Id == nodeId);

    /// <summary>Parses and checks the contract's version; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static MeshStatus Parse(string json)
    {
        MeshStatus? status;
        try
        {
            status = JsonSerializer.Deserialize<MeshStatus>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new FormatException($"status --json is not the v1 contract: {e.Message}", e);
        }

        if (status is null || status.Version != 1 || status.Node is null || status.Peers is null || status.Repos is null)
        {
            throw new FormatException($"status --json is not the v1 contract (version, node, repos, peers): {json}");
        }

        return status;
    }
}
