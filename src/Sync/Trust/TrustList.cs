using System.Collections.Immutable;

namespace PeerMesh.Sync.Trust;

/// <summary>
/// The node ids pinned with <c>git config peermesh.trust ID</c> (multi-valued). Empty means no pinning: every node
/// the mesh admits is fetched. With ids, only those nodes get a managed remote and are fetched. A node id is the
/// lowercase hex of the first 16 bytes of SHA-256 of its Ed25519 public key, bound to its signed announcements.
/// </summary>
internal sealed class TrustList
{
    public const string ConfigKey = "peermesh.trust";

    /// <summary>Hex characters of a node id (16 bytes).</summary>
    public const int IdLength = 32;

    private readonly ImmutableHashSet<string> _ids;

    private TrustList(ImmutableHashSet<string> ids) => _ids = ids;

    /// <summary>No pinning: everyone the mesh admits.</summary>
    public static TrustList Everyone { get; } = new([]);

    /// <summary>True when at least one id is listed (and so everyone else is left out).</summary>
    public bool IsPinned => !_ids.IsEmpty;

    /// <summary>The listed ids, lowercase, sorted.</summary>
    public ImmutableArray<string> NodeIds => [.. _ids.Order(StringComparer.Ordinal)];

    public bool IsTrusted(string nodeId) => _ids.IsEmpty || _ids.Contains(nodeId);

    /// <summary>Same ids (order and case of the config values do not matter).</summary>
    public bool SetEquals(TrustList other) => _ids.SetEquals(other._ids);

    /// <exception cref="FormatException">A value is not a node id; the message names it, on one line.</exception>
    public static TrustList Parse(IEnumerable<string> values) =>
        TryParse(values, out var list, out var error) ? list : throw new FormatException(error);

    /// <summary>
    /// Parses the config values: each a full 32-hex-character node id, any case (surrounding spaces ignored).
    /// On failure <paramref name="error"/> is one line naming the first bad value.
    /// </summary>
    public static bool TryParse(IEnumerable<string> values, out TrustList list, out string? error)
    {
        var ids = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (var raw in values)
        {
            var value = raw.Trim();
            if (value.Length != IdLength || !value.All(char.IsAsciiHexDigit))
            {
                list = Everyone;
                error = $"invalid {ConfigKey} '{Printable(raw)}': expected a node id of {IdLength} hex characters (peermesh status shows each peer's id)";
                return false;
            }

            ids.Add(value.ToLowerInvariant());
        }

        list = ids.Count == 0 ? Everyone : new TrustList(ids.ToImmutable());
        error = null;
        return true;
    }

    private static string Printable(string text) =>
        new(text.Take(80).Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
