using System.Collections.Immutable;

namespace PeerMesh.Mesh.Membership;

/// <summary>An immutable, versioned view of the other members (the local node is not in it).</summary>
public sealed record MembershipSnapshot(long Version, ImmutableArray<Member> Members)
{
    public static MembershipSnapshot Empty { get; } = new(0, []);

    public Member? Find(string id)
    {
        foreach (var member in Members)
        {
            if (member.Id == id)
            {
                return member;
            }
        }

        return null;
    }
}
