using System.Globalization;
using PeerMesh.Mesh.Text;
using PeerMesh.Sync.LocalRepo;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace PeerMesh.Cli.Status;

/// <summary>
/// The readable form of <see cref="StatusDocument"/>: the node, then per repository a table of
/// peers answering "who has something I don't" at a glance, and every node's full id on a line of its own (never
/// wrapped), for people to compare out of band before pinning one with <c>peermesh.trust</c>. Colour only on a terminal.
/// </summary>
internal static class StatusText
{
    public static void Render(StatusDocument status, DateTimeOffset now, IAnsiConsole console)
    {
        var node = status.Node;
        console.MarkupLineInterpolated($"[bold]node[/]      {node.Name} ({node.Id}), gossip UDP {node.GossipPort}, mesh {node.Mesh}");
        if (node.Trust is { Count: > 0 } trust)
        {
            console.MarkupLineInterpolated($"[bold]trust[/]     only {Plural.Count(trust.Count, "pinned node is", "pinned nodes are")} fetched (peermesh.trust)");
        }

        var serving = status.Serving switch
        {
            { Up: true } => "up",
            { NextTry: { } next } s => $"DOWN: {s.LastError ?? "not started"}; next try {In(next - now)}",
            var s => $"DOWN: {s.LastError ?? "not started"}",
        };
        if (status.Discovery is { } discovery)
        {
            var mdns = discovery.MdnsProblem is null ? discovery.Mdns : $"{discovery.Mdns} ({discovery.MdnsProblem})";
            var seeds = discovery.SeedStatus is { Count: > 0 } joins ? "seeds " + string.Join(", ", joins.Select(s => $"{s.Seed} ({Joining(s, now)})"))
                : discovery.Seeds.Count == 0 ? "no seeds"
                : "seeds " + string.Join(", ", discovery.Seeds);
            console.MarkupLineInterpolated($"[bold]discovery[/] mDNS {mdns}; {seeds}");
        }

        if (status.Gossip is { Drops.Count: > 0 } gossip)
        {
            console.MarkupLineInterpolated($"[bold]dropped[/]   {string.Join(", ", gossip.Drops.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => $"{d.Value} {d.Key}"))}");
        }

        foreach (var repo in status.Repos)
        {
            console.WriteLine();
            console.MarkupLineInterpolated($"[bold]{repo.Name}[/] served at {repo.Url} ({serving})");
            if (repo.Error is { } error)
            {
                console.MarkupLineInterpolated($"  [red]ERROR[/] {error}");
            }

            if (repo.RemoteCap is { Refused: > 0 } cap)
            {
                console.MarkupLineInterpolated($"  [yellow]{CapReached(cap)}[/]");
            }

            if (repo.Shallow)
            {
                console.MarkupLineInterpolated($"  [yellow]matches no peer:[/] {LocalRepository.ShallowAdvice}");
            }

            SignedRefs(repo, status.Peers, now, console);
            var peers = status.Peers.Where(p => ServesOrServed(p, repo.Id)).ToList();
            if (peers.Count == 0)
            {
                console.WriteLine("  no peers yet");
                continue;
            }

            console.Write(PeerTable(repo.Id, peers, now));
        }

        OtherProjectsOnly(status, console);

        Ids(status.Peers, now, console);
    }

    /// <summary>
    /// A peer belongs in a project's table when it announces the project or has a remote in it (one it once served);
    /// a document without <c>serves</c> (an older node's) lists every peer without remotes, as before.
    /// </summary>
    private static bool ServesOrServed(PeerStatus peer, string repoId) =>
        peer.Remotes?.Any(r => r.Repo == repoId) == true
        || (peer.Serves is { } serves ? serves.Contains(repoId) : peer.Remotes is null || peer.Remotes.Count == 0);

    /// <summary>"also in the mesh, serving none of these projects: carol (2 other projects), dave (nothing yet)".</summary>
    private static void OtherProjectsOnly(StatusDocument status, IAnsiConsole console)
    {
        var others = status.Peers
            .Where(p => p.Serves is { Count: 0 } && status.Repos.All(r => !ServesOrServed(p, r.Id)))
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => $"{Printable(p.Name)} ({(p.OtherProjects == 0 ? "nothing yet" : Plural.Count(p.OtherProjects, "other project", "other projects"))})")
            .ToList();
        if (others.Count > 0)
        {
            console.WriteLine();
            console.MarkupLineInterpolated($"[bold]also in the mesh[/], serving none of these projects: {string.Join(", ", others)}");
        }
    }

    /// <summary>
    /// "alice (offline, via bob, 12 min old)" for a peer whose work came through other nodes while it is not reachable;
    /// else the name.
    /// </summary>
    public static string PeerName(PeerStatus peer, string repoId, DateTimeOffset now)
    {
        if (peer.Via is not { Count: > 0 } via || peer.State is "alive" or "suspect")
        {
            return peer.Name;
        }

        var statement = peer.Statement?.FirstOrDefault(s => s.Repo == repoId);
        var age = statement is null ? "" : ", " + Old(now - statement.At);
        return $"{peer.Name} (offline, via {string.Join(", ", via)}{age})";
    }

    /// <summary>
    /// "signed refs: 3 branches shared; 1 not shared (max 512): wip (branch-cap)", then one line per refused copy:
    /// "refused alice's work served by bob: bad-signature, 2 min ago; nothing written".
    /// </summary>
    private static void SignedRefs(RepoStatus repo, IReadOnlyList<PeerStatus> peers, DateTimeOffset now, IAnsiConsole console)
    {
        if (repo.SignedRefs is { SharedBranches.Count: > 0 } sharing)
        {
            var rule = sharing.SharePatterns.Count > 0 ? $" (peermesh.share: {string.Join(", ", sharing.SharePatterns)})" : "";
            console.MarkupLineInterpolated($"  shared: {string.Join(", ", sharing.SharedBranches.Take(8))}{(sharing.SharedBranches.Count > 8 ? ", ..." : "")}{rule}");
        }

        if (repo.SignedRefs is { NotShared.Count: > 0 } signed)
        {
            console.MarkupLineInterpolated($"  [yellow]{Plural.Count(signed.NotShared.Count, "branch", "branches")} not shared:[/] {string.Join(", ", signed.NotShared.Take(5))}");
        }

        foreach (var peer in peers.OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            foreach (var refused in peer.Refused?.Where(r => r.Repo == repo.Id) ?? [])
            {
                console.MarkupLineInterpolated($"  [red]refused[/] {Printable(refused.AuthorName)}'s work served by {Printable(peer.Name)}: {refused.Reason}, {Ago(now - refused.At)}; nothing written");
            }
        }
    }

    /// <summary>"cap reached: 3 nodes serving this project were given no remote (max 64)".</summary>
    public static string CapReached(RemoteCapInfo cap) =>
        cap.Refused == 1
            ? $"cap reached: 1 node serving this project was given no remote (max {cap.Max})"
            : $"cap reached: {cap.Refused} nodes serving this project were given no remote (max {cap.Max})";

    private static void Ids(IReadOnlyList<PeerStatus> peers, DateTimeOffset now, IAnsiConsole console)
    {
        if (peers.Count == 0)
        {
            return;
        }

        console.WriteLine();
        console.MarkupLine("[bold]node ids[/] (compare out of band; pin with git config --add peermesh.trust ID)");
        var width = peers.Max(p => Printable(p.Name).Length);
        foreach (var peer in peers.OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            var name = Printable(peer.Name).PadRight(width);
            var marker = peer.Trusted ? "" : "  [yellow]not trusted[/]";
            if (peer.Remotes?.Any(r => r.AddressConflict) == true)
            {
                marker += "  [red]two addresses take turns claiming this id; its remote keeps its URL[/]";
            }

            if (peer.Conflict is { } conflict)
            {
                marker += $"  [red]conflict: also claimed from {Markup.Escape(conflict.Address)} {Ago(now - conflict.At)}, not believed[/]";
            }

            console.MarkupLine($"  {Markup.Escape(name)}  {Markup.Escape(peer.Id)}{marker}");
        }
    }

    private static Table PeerTable(string repoId, IReadOnlyList<PeerStatus> peers, DateTimeOffset now)
    {
        var newest = NewestPerBranch(repoId, peers);
        var table = new Table().Border(TableBorder.Simple)
            .AddColumns("PEER", "STATE", "FOUND BY", "SEEN", "LAST FETCH", "NEXT", "BRANCH +THEIRS/-YOURS");
        foreach (var peer in peers.OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            var remote = peer.Remotes?.FirstOrDefault(r => r.Repo == repoId);
            table.AddRow(
                new Markup($"{Escape(PeerName(peer, repoId, now))} [dim]{Short(peer.Id)}[/]"),
                State(peer.State),
                new Text(string.Join(",", peer.FoundBy)),
                new Text(Ago(now - peer.LastSeen)),
                peer.Trusted ? LastFetch(remote, now) : new Markup("[yellow]not trusted (peermesh.trust)[/]"),
                Next(peer.Trusted ? remote : null, now),
                Branches(peer.Id, remote, newest));
        }

        return table;
    }

    /// <summary>
    /// When the peer is fetched next; with its breaker open, why it waits: "paused after 3 failures; next try in 25 s"
    /// (the first fetch once the breaker lets one through).
    /// </summary>
    private static IRenderable Next(PeerRemoteStatus? remote, DateTimeOffset now)
    {
        if (remote is { Breaker: "open" })
        {
            var paused = $"paused after {Plural.Count(remote.BreakerFailures, "failure", "failures")}";
            DateTimeOffset? retry = remote.BreakerNextTry is { } until && remote.NextFetch is { } fetch && fetch > until ? fetch : remote.BreakerNextTry;
            return new Markup($"[yellow]{Markup.Escape(retry is { } at ? $"{paused}; next try {In(at - now)}" : paused)}[/]");
        }

        return new Text(remote?.NextFetch is { } next ? In(next - now) : "-");
    }

    /// <summary>For each branch, the peer whose copy has the most commits you lack (ties: none).</summary>
    private static Dictionary<string, string> NewestPerBranch(string repoId, IReadOnlyList<PeerStatus> peers)
    {
        var best = new Dictionary<string, (string Peer, int Ahead, bool Tie)>(StringComparer.Ordinal);
        foreach (var peer in peers)
        {
            foreach (var branch in peer.Remotes?.FirstOrDefault(r => r.Repo == repoId)?.Branches ?? [])
            {
                if (branch.Ahead == 0)
                {
                    continue;
                }

                if (!best.TryGetValue(branch.Name, out var current) || branch.Ahead > current.Ahead)
                {
                    best[branch.Name] = (peer.Id, branch.Ahead, false);
                }
                else if (branch.Ahead == current.Ahead)
                {
                    best[branch.Name] = current with { Tie = true };
                }
            }
        }

        return best.Where(b => !b.Value.Tie).ToDictionary(b => b.Key, b => b.Value.Peer, StringComparer.Ordinal);
    }

    /// <summary>"joined", "no answer; next try in 8 s", or "joining" before the first verdict.</summary>
    private static string Joining(SeedInfo seed, DateTimeOffset now) =>
        seed.Joined ? "joined"
        : seed.Error is { } error ? $"{Printable(error)}; next try {In(seed.NextTry - now)}"
        : "joining";

    private static IRenderable State(string state) => state switch
    {
        "alive" => new Markup("[green]alive[/]"),
        "suspect" => new Markup("[yellow]suspect[/]"),
        _ => new Markup($"[grey]{Escape(state == "dead" ? "offline" : state)}[/]"),
    };

    private static IRenderable LastFetch(PeerRemoteStatus? remote, DateTimeOffset now)
    {
        if (remote is null)
        {
            return new Text("-");
        }

        if (remote.Fetching)
        {
            return remote.Progress is { } progress
                ? new Markup($"[blue]fetching… {Escape(Progress(progress))}[/]")
                : new Markup("[blue]fetching…[/]");
        }

        return remote.LastFetch switch
        {
            null => new Text("not yet"),
            { Ok: true } f => new Text(Ago(now - f.At) + (remote.Rewritten ? ", history rewritten" : "")),
            { } f => new Markup($"[red]failed {Escape(Ago(now - f.At))}: {Escape(f.Error ?? "unknown error")}[/]"),
        };
    }

    private static IRenderable Branches(string peerId, PeerRemoteStatus? remote, Dictionary<string, string> newest)
    {
        if (remote is null || remote.Branches.Count == 0)
        {
            return new Text("-");
        }

        var parts = remote.Branches.OrderBy(b => b.Name, StringComparer.Ordinal).Select(b =>
        {
            var text = b.Local ? $"{Escape(b.Name)} +{b.Ahead}/-{b.Behind}" : $"{Escape(b.Name)} (new) +{b.Ahead}";
            return newest.TryGetValue(b.Name, out var owner) && owner == peerId ? $"[bold green]{text} (newest)[/]"
                : b.Ahead > 0 ? $"[green]{text}[/]"
                : text;
        });
        return new Markup(string.Join("\n", parts));
    }

    /// <summary>"1200/5000 objects, 3.4 MiB, 1.1 MiB/s"; before the pack header only bytes and rate.</summary>
    public static string Progress(FetchProgressInfo progress)
    {
        var bytes = $"{Bytes(progress.Bytes)}, {Bytes((long)progress.BytesPerSecond)}/s";
        return progress.TotalObjects > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{progress.Objects}/{progress.TotalObjects} objects, {bytes}")
            : bytes;
    }

    private static string Bytes(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:F1} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):F1} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):F1} GiB"),
    };

    /// <summary>"12 min old": the age of a statement, said as <see cref="Ago"/> says elapsed time.</summary>
    public static string Old(TimeSpan age) => age.TotalSeconds < 1 ? "0 s old" : Ago(age)[..^" ago".Length] + " old";

    public static string Ago(TimeSpan elapsed) => elapsed.TotalSeconds switch
    {
        < 1 => "just now",
        < 120 => $"{(int)elapsed.TotalSeconds} s ago",
        < 7200 => $"{(int)elapsed.TotalMinutes} min ago",
        _ => $"{(int)elapsed.TotalHours} h ago",
    };

    private static string In(TimeSpan remaining) => remaining.TotalSeconds switch
    {
        < 1 => "now",
        < 120 => $"in {(int)remaining.TotalSeconds} s",
        _ => $"in {(int)remaining.TotalMinutes} min",
    };

    private static string Short(string id) => id[..Math.Min(8, id.Length)];

    // Peer-supplied text: never markup, never control characters.
    private static string Escape(string text) => Markup.Escape(Printable(text));

    private static string Printable(string text) => new(text.Take(64).Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
