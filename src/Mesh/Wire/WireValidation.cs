using System.Net;
using PeerMesh.Mesh.Membership;

namespace PeerMesh.Mesh.Wire;

/// <summary>Checks on untrusted decoded fields (HOSTILE-INPUTS 13, 14, 17).</summary>
internal static class WireValidation
{
    public const int MaxNameLength = 64;
    public const int MaxRepoIdLength = 64;
    public const int MaxDigestLength = 128;
    public const int MaxUpdatesPerMessage = 128;

    public static bool IsNodeId(string? id)
    {
        if (id is not { Length: 32 })
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// A name that <see cref="IsDisplayName"/> accepts, from any local string (a repository's folder name can be
    /// longer than <see cref="MaxNameLength"/> or hold control characters): controls become '?', the rest is cut.
    /// </summary>
    public static string ToDisplayName(string name)
    {
        var clean = string.Concat(name.Select(c => char.IsControl(c) ? '?' : c));
        if (clean.Length <= MaxNameLength)
        {
            return clean;
        }

        // Do not split a surrogate pair at the cut.
        var length = char.IsHighSurrogate(clean[MaxNameLength - 1]) ? MaxNameLength - 1 : MaxNameLength;
        return clean[..length];
    }

    public static bool IsDisplayName(string? name)
    {
        if (name is null || name.Length > MaxNameLength)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (char.IsControl(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Largest repository count an alive may announce (a receiver keeps at most its own cap of them).</summary>
    public const int MaxAnnouncedRepoCount = 65535;

    public static bool IsRepoId(string? id)
    {
        if (id is not { Length: > 0 and <= MaxRepoIdLength })
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The repository of a removal statement: only its id and version are read.</summary>
    public static bool IsRepoRemoval(WireRepo? repo) => repo is not null && IsRepoId(repo.RepoId) && repo.RefsVersion >= 0;

    /// <summary>An alive's repository-set summary: non-negative version and count, a 16-byte digest whenever the count is not 0.</summary>
    public static bool IsRepoSetSummary(MemberUpdate alive) =>
        alive.RepoSetVersion >= 0
        && alive.RepoCount is >= 0 and <= MaxAnnouncedRepoCount
        && (alive.RepoSetDigest is null ? alive.RepoCount == 0 : alive.RepoSetDigest.Length == RepoSetSummary.DigestSize);

    public static bool IsRepo(WireRepo? repo)
    {
        if (repo is null || !RepoPath.IsValid(repo.Path) || !IsDisplayName(repo.Name) || repo.RefsVersion < 0)
        {
            return false;
        }

        if (!IsRepoId(repo.RepoId) || repo.RefsDigest is not { Length: <= MaxDigestLength })
        {
            return false;
        }

        foreach (var c in repo.RefsDigest)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    public static bool TryParseAddress(byte[]? bytes, out IPAddress address)
    {
        address = IPAddress.None;
        if (bytes is not { Length: 4 or 16 })
        {
            return false;
        }

        address = new IPAddress(bytes);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return true;
    }

    /// <summary>Never a usable peer address: multicast, broadcast.</summary>
    public static bool IsUnusable(IPAddress address) =>
        address.Equals(IPAddress.Broadcast)
        || address.IsIPv6Multicast
        || (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && (address.GetAddressBytes()[0] & 0xF0) == 0xE0);

    public static bool IsUnspecified(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    public static RepoAnnouncement ToAnnouncement(WireRepo repo) => new(repo.RepoId, repo.Name, repo.Path, repo.RefsDigest, repo.RefsVersion);

    public static WireRepo ToWire(RepoAnnouncement repo) => new()
    {
        RepoId = repo.RepoId,
        Name = repo.Name,
        Path = repo.Path,
        RefsDigest = repo.RefsDigest,
        RefsVersion = repo.RefsVersion,
    };
}
