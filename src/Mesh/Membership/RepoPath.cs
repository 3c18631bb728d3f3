namespace PeerMesh.Mesh.Membership;

/// <summary>
/// Rules for the path a node advertises for a repository on its git daemon. A path that fails
/// them is never used as a path, an argument or a URL segment (HOSTILE-INPUTS 14).
/// </summary>
public static class RepoPath
{
    public const int MaxLength = 200;

    /// <summary>
    /// Valid: "/" followed by segments of [A-Za-z0-9._-], none of them "." or "..", none starting
    /// with '-' or '.', at most <see cref="MaxLength"/> characters. "/" alone is the base path itself.
    /// </summary>
    public static bool IsValid(string? path)
    {
        if (string.IsNullOrEmpty(path) || path.Length > MaxLength || path[0] != '/')
        {
            return false;
        }

        if (path.Length == 1)
        {
            return true;
        }

        foreach (var segment in path[1..].Split('/'))
        {
            if (segment.Length == 0 || segment[0] is '-' or '.')
            {
                return false;
            }

            foreach (var c in segment)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
