namespace PeerMesh.Sync.Watching;

/// <summary>What a file-system event in a git dir may have changed.</summary>
[Flags]
internal enum GitDirChange
{
    None = 0,

    /// <summary>A branch, <c>packed-refs</c> or <c>HEAD</c>: the refs digest must be computed again.</summary>
    Refs = 1,

    /// <summary>The repository's <c>config</c> (or <c>config.worktree</c>): settings such as <c>peermesh.trust</c>.</summary>
    Config = 2,

    /// <summary>Events were lost (the kernel's queue overflowed): anything may have changed.</summary>
    All = Refs | Config,
}
