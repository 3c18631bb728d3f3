using PeerMesh.Mesh.SignedRefs;

namespace PeerMesh.Sync.Serving;

/// <summary>
/// upload-pack's <c>uploadpack.packObjectsHook</c> for the node's daemon (docs/ARCHITECTURE.md, "What a node serves"):
/// git runs it instead of <c>git pack-objects</c> for every pack it is about to send, with pack-objects' command line
/// as its arguments and pack-objects' input (the wanted object ids, <c>--not</c>, the client's haves) on its stdin.
/// It passes the request on only when every wanted object is served: the tip of a ref the daemon advertises under
/// <c>refs/heads/</c> or <c>refs/peermesh/</c> (what <c>git upload-pack --advertise-refs</c> prints in this repository,
/// with the daemon's hidden refs applied; HEAD does not count), a commit reachable from one of those tips, or a signed
/// refs statement (a blob starting with its magic: a node re-signs after every fetch that moved work, so the
/// statement a client saw advertised may have been replaced by the time its pack is made; a statement is public,
/// signed data, and was served under that name a moment before). Anything
/// else (an unshared branch's commit asked for by its id, a tree, a blob) ends the request with "peermesh: not served"
/// and no pack. Protocol v2 serves any object by id whatever <c>uploadpack.allow*SHA1InWant</c> say
/// (gitprotocol-v2: "wants can be anything"), so this is what keeps an object reachable only from what is not served
/// from being fetched. It also drops <c>--include-tag</c>: tags are not served, and a tag object pointing at a served
/// commit would otherwise be sent along.
/// <para>
/// Protocol v0 refuses unadvertised wants in upload-pack itself, but the hook checks those requests too: what is
/// served is what the daemon advertises when the pack is made, so a client that had its advertisement before a
/// repository or branch stopped being served gets no pack (<c>GitDaemonSupervisorServingTests</c>). It fails closed:
/// when git cannot list what is served or look up a want, no pack.
/// </para>
/// <para>
/// git honours the hook only from protected configuration (system, global, command line), never from the repository's
/// own config; the daemon gets it from its command-line scope (<see cref="ServedRefs.DaemonConfig"/>), which comes last
/// and so wins. Only the shell's built-ins run, and git (upload-pack, cat-file, rev-list), <c>tr</c> and <c>head</c>.
/// </para>
/// </summary>
internal static class PackHook
{
    public const string ScriptVariable = "PEERMESH_PACK_HOOK";

    /// <summary>The refusal, as the client shows it after "remote: ".</summary>
    public const string Refusal = "peermesh: not served";

    public const string Script = $$"""
        wants= input= state=want
        while IFS= read -r line; do
          input="$input$line
        "
          [ "$state" = want ] || continue
          case $line in
            --not) state=have ;;
            --*|'') ;;
            *) wants="$wants $line" ;;
          esac
        done
        served=$({ GIT_PROTOCOL= git upload-pack --advertise-refs . || echo "peermesh:failed"; } | tr '\0' ' ')
        case $served in *peermesh:failed*) echo "peermesh: cannot list what is served" >&2; exit 1 ;; esac
        tips= commits= others=
        while read -r oid name rest; do
          oid=${oid#????}
          case $name in
            refs/heads/*|refs/peermesh/*) tips="$tips $oid" ;;
            *) continue ;;
          esac
          case $name in
            refs/peermesh/*/statement) ;;
            *) commits="$commits $oid" ;;
          esac
        done <<LIST
        $served
        LIST
        for want in $wants; do
          case " $tips " in
            *" $want "*) ;;
            *) others="$others $want" ;;
          esac
        done
        pending= entries=
        [ -z "$others" ] || entries=$(printf '%s\n' $others | git cat-file --batch-check='%(objectname):%(objecttype)') || { echo "peermesh: cannot list what is served" >&2; exit 1; }
        for entry in $entries; do
          case ${entry#*:} in
            commit) pending="$pending ${entry%%:*}" ;;
            blob)
              magic="{{StatementCodec.MagicText}}"; [ "$(git cat-file blob "${entry%%:*}" | head -c ${#magic})" = "$magic" ] || { echo "peermesh: not served" >&2; exit 1; } ;;
            *) echo "peermesh: not served" >&2; exit 1 ;;
          esac
        done
        if [ -n "$pending" ]; then
          [ -n "$commits" ] || { echo "peermesh: not served" >&2; exit 1; }
          unserved=$(printf '%s\n' $pending | { cat; printf '^%s\n' $commits; } | git rev-list --stdin -n 1) || exit 1
          [ -z "$unserved" ] || { echo "peermesh: not served" >&2; exit 1; }
        fi
        for arg do
          shift
          [ "$arg" = --include-tag ] || set -- "$@" "$arg"
        done
        printf '%s' "$input" | "$@"
        """;

    /// <summary>
    /// The config value. git runs it through <c>sh -c 'VALUE "$@"'</c> with pack-objects' command line appended
    /// (<c>git pack-objects --revs ...</c>), which arrives as the script's <c>"$@"</c>.
    /// </summary>
    public const string Command = $"exec /bin/sh -c \"${ScriptVariable}\" peermesh-pack-hook";
}
