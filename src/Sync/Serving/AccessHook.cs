namespace PeerMesh.Sync.Serving;

/// <summary>
/// The git daemon's <c>--access-hook</c> for a node serving many repositories (docs/ARCHITECTURE.md, Serving). git daemon
/// runs it for every request it would serve, after it has resolved the requested path below the base path and entered
/// that directory, and before upload-pack runs there; a non-zero exit refuses the request with the same answer as a
/// path that does not exist. It allows a request only when
/// <list type="bullet">
/// <item>the path is exactly <c>BASE/NAME</c>: one segment, no suffix git daemon guessed (<c>NAME/.git</c>,
/// <c>NAME.git</c>), nothing inside a repository (<c>NAME/modules/x</c>, <c>NAME/worktrees/x</c>, a symlink in it);</item>
/// <item>NAME is in the served list as it is now (the file is read at every request, so a change is in force for
/// the next connection, without a restart), and</item>
/// <item>the directory git daemon actually entered (the hook's working directory, physical) is that entry's git
/// directory: a link or folder in the base path that we did not put there, or one changed since, is never served.</item>
/// </list>
/// The script is passed in the daemon's environment, not as a file: nothing on disk to go stale or be edited, and no
/// quoting of the home's path. Only shell built-ins run (no fork besides the two shells git daemon and this start).
/// </summary>
internal static class AccessHook
{
    private const string Tab = "\t";

    public const string ScriptVariable = "PEERMESH_SERVE_HOOK";
    public const string BaseVariable = "PEERMESH_SERVE_BASE";
    public const string ListVariable = "PEERMESH_SERVE_LIST";

    /// <summary>
    /// <c>$1</c> is the service, <c>$2</c> the path git daemon resolved (base path + requested path, trailing slashes
    /// removed); the list has one <c>NAME&lt;TAB&gt;GIT-DIRECTORY</c> a line (<see cref="ServedList"/>).
    /// </summary>
    public const string Script = $$"""
        [ "$1" = upload-pack ] && [ -n "$PEERMESH_SERVE_BASE" ] && [ -n "$PEERMESH_SERVE_LIST" ] || exit 1
        name=${2#"$PEERMESH_SERVE_BASE"/}
        case $name in ''|*/*) exit 1 ;; esac
        cd -P . || exit 1
        here=$PWD
        while IFS='{{Tab}}' read -r served directory; do
          [ "$served" = "$name" ] || continue
          cd -P -- "$directory" 2>/dev/null && [ "$PWD" = "$here" ] && exit 0
          exit 1
        done < "$PEERMESH_SERVE_LIST"
        exit 1
        """;

    /// <summary>
    /// The <c>--access-hook</c> value. git daemon runs it through <c>sh -c 'VALUE "$@"'</c> (it holds shell
    /// characters), so the service and path arrive as <c>$1</c> and <c>$2</c> of the script.
    /// </summary>
    public const string Command = $"exec /bin/sh -c \"${ScriptVariable}\" peermesh-serve-hook";

    public static IReadOnlyDictionary<string, string> Environment(string basePath, string listFile) => new Dictionary<string, string>
    {
        [ScriptVariable] = Script,
        [BaseVariable] = basePath,
        [ListVariable] = listFile,
    };
}
