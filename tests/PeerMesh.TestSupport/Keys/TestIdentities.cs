using PeerMesh.Mesh.Identity;

namespace PeerMesh.TestSupport.Keys;

/// <summary>
/// Real Ed25519 node identities made on first use by name, in a temp folder (the node's own key type and file), deleted
/// on dispose. Thread-safe, for property tests that sample in parallel.
/// </summary>
public sealed class TestIdentities : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "peermesh-authors-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly Dictionary<string, NodeIdentity> _made = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public NodeIdentity this[string name]
    {
        get
        {
            using var scope = _lock.EnterScope();
            if (!_made.TryGetValue(name, out var identity))
            {
                identity = NodeIdentity.LoadOrCreate(Path.Combine(_root, name));
                _made.Add(name, identity);
            }

            return identity;
        }
    }

    public void Dispose()
    {
        foreach (var identity in _made.Values)
        {
            identity.Dispose();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
