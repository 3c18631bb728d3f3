using System.Collections.Immutable;
using PeerMesh.Mesh.Membership;

namespace PeerMesh.TestSupport.Mesh;

/// <summary>An <see cref="IMembershipView"/> whose members a test sets; every <see cref="Set"/> is a new version.</summary>
internal sealed class FakeMembershipView : IMembershipView
{
    private readonly Lock _lock = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private MembershipSnapshot _current = MembershipSnapshot.Empty;

    public MembershipSnapshot Current
    {
        get
        {
            lock (_lock)
            {
                return _current;
            }
        }
    }

    public void Set(params Member[] members)
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            _current = new MembershipSnapshot(_current.Version + 1, [.. members]);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    public async ValueTask<MembershipSnapshot> WaitForChangeAsync(long afterVersion, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (_current.Version > afterVersion)
                {
                    return _current;
                }

                changed = _changed.Task;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    /// <summary>A member serving one repository, for Sync tests.</summary>
    public static Member MakeMember(
        string id,
        string name,
        int gitPort,
        string repoId,
        long refsVersion = 1,
        string path = "/repo",
        MemberState state = MemberState.Alive,
        System.Net.IPAddress? address = null) =>
        new(
            id,
            name,
            1,
            state,
            new System.Net.IPEndPoint(address ?? System.Net.IPAddress.Loopback, 9419),
            gitPort,
            [new RepoAnnouncement(repoId, "repo", path, "digest", refsVersion)],
            DiscoverySource.Seed,
            DateTimeOffset.UnixEpoch);

    public static Member Alive(string id, System.Net.IPEndPoint endPoint, string name = "peer") =>
        new(id, name, 1, MemberState.Alive, endPoint, 0, ImmutableArray<RepoAnnouncement>.Empty, DiscoverySource.Gossip, DateTimeOffset.UnixEpoch);
}
