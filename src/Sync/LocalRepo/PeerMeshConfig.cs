using LibGit2Sharp;

namespace PeerMesh.Sync.LocalRepo;

/// <summary>
/// The <c>peermesh.*</c> keys of a repository's git config (all levels: local, global, system), with
/// multi-valued keys kept in order. Keys are compared case-insensitively, as git does.
/// </summary>
public sealed class PeerMeshConfig
{
    private readonly Dictionary<string, List<string>> _values;

    private PeerMeshConfig(Dictionary<string, List<string>> values) => _values = values;

    public static PeerMeshConfig Empty { get; } = new(new(StringComparer.OrdinalIgnoreCase));

    public static PeerMeshConfig Read(string gitDirectory)
    {
        using var repo = new Repository(gitDirectory);
        return From(repo.Config);
    }

    /// <summary>The config of an open repository (all levels).</summary>
    public static PeerMeshConfig Of(Repository repo) => From(repo.Config);

    /// <summary>The global and system levels only (no repository): a node's own settings, shared by all it serves.</summary>
    public static PeerMeshConfig ReadGlobal()
    {
        using var config = Configuration.BuildFrom(null);
        return From(config);
    }

    private static PeerMeshConfig From(Configuration config)
    {
        var values = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in config)
        {
            if (entry.Key.StartsWith("peermesh.", StringComparison.OrdinalIgnoreCase))
            {
                var key = entry.Key["peermesh.".Length..];
                if (!values.TryGetValue(key, out var list))
                {
                    values[key] = list = [];
                }

                list.Add(entry.Value);
            }
        }

        return new PeerMeshConfig(values);
    }

    public static PeerMeshConfig FromValues(IEnumerable<KeyValuePair<string, string>> values)
    {
        var dict = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in values)
        {
            if (!dict.TryGetValue(key, out var list))
            {
                dict[key] = list = [];
            }

            list.Add(value);
        }

        return new PeerMeshConfig(dict);
    }

    /// <summary>The last value of a single-valued key (git's rule: the last one wins), or null.</summary>
    public string? Get(string key) => _values.TryGetValue(key, out var list) ? list[^1] : null;

    public IReadOnlyList<string> GetAll(string key) => _values.TryGetValue(key, out var list) ? list : [];
}
