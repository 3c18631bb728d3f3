using System.Net;
using PeerMesh.Mesh.Membership;

namespace PeerMesh.Sync.Tests.Support;

/// <summary>A membership table the test sets by hand.</summary>
internal sealed class FakeMembershipView : IMembershipView
{
    private readonly Lock _gate = new();
    private MembershipSnapshot _current = MembershipSnapshot.Empty;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public MembershipSnapshot Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    public static Member MakeMember(
        string id,
        string name,
        int gitPort,
        string repoId,
        long refsVersion = 1,
        string path = "/repo",
        MemberState state = MemberState.Alive,
        IPAddress? address = null) =>
        new(
            id,
            name,
            1,
            state,
            new IPEndPoint(address ?? IPAddress.Loopback, 9419),
            gitPort,
            [new RepoAnnouncement(repoId, "repo", path, "digest", refsVersion)],
            DiscoverySource.Seed,
            DateTimeOffset.UnixEpoch);

    public void Set(params Member[] members)
    {
        TaskCompletionSource previous;
        lock (_gate)
        {
            _current = new MembershipSnapshot(_current.Version + 1, [.. members]);
            previous = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
    }

    public async ValueTask<MembershipSnapshot> WaitForChangeAsync(long afterVersion, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
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
}
