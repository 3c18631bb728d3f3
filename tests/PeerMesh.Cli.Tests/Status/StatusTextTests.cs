using PeerMesh.Cli.Status;
using Spectre.Console;
using Xunit;

namespace PeerMesh.Cli.Tests.Status;

public sealed class StatusTextTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private const string RepoId = "a0f5cec01b0150f9e81393a3f3a4f0912a189bed";

    /// <summary>
    /// A mesh with known state: one peer ahead on main with a branch you lack, one failing, one offline, one fetching,
    /// one left out by <c>peermesh.trust</c>.
    /// </summary>
    internal static StatusDocument KnownMesh() => new(
        1,
        new NodeStatus("ff8eab5c36e1ab68a5e659c53a45f36b", "alice", 9419, "sealed", s_now.AddMinutes(-30),
            ["0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210", "11112222333344445555666677778888", "9999aaaabbbbccccddddeeeeffff0000"]),
        new ServingInfo(true, 9418, 0, null),
        [new RepoStatus(RepoId, "shop", "git://198.18.0.1:9418/", "/")],
        [
            new PeerStatus("0123456789abcdef0123456789abcdef", "bob", "alive", "198.18.0.2:9419", s_now.AddSeconds(-2), ["mdns", "gossip"],
                [new PeerRemoteStatus(RepoId, "bob", new LastFetchInfo(s_now.AddSeconds(-12), true, null), s_now.AddSeconds(48),
                    [new BranchStatus("main", 3, 1), new BranchStatus("feature/x", 0, 0), new BranchStatus("feature/y", 2, 0, Local: false)])],
                Conflict: new IdConflict("198.18.0.66:9419", s_now.AddMinutes(-2))),
            new PeerStatus("fedcba9876543210fedcba9876543210", "carol", "suspect", "198.18.0.3:9419", s_now.AddSeconds(-40), ["seed"],
                [new PeerRemoteStatus(RepoId, "carol", new LastFetchInfo(s_now.AddSeconds(-30), false, "connection refused"), s_now.AddSeconds(5),
                    [new BranchStatus("main", 1, 0)])]),
            new PeerStatus("11112222333344445555666677778888", "dave [x]", "dead", "198.18.0.4:9419", s_now.AddHours(-3), ["mdns"],
                [new PeerRemoteStatus(RepoId, "dave-x", null, null, [])]),
            new PeerStatus("9999aaaabbbbccccddddeeeeffff0000", "erin", "alive", "198.18.0.5:9419", s_now.AddSeconds(-1), ["mdns"],
                [new PeerRemoteStatus(RepoId, "erin", null, null, [], Fetching: true,
                    Progress: new FetchProgressInfo(1200, 5000, 3_565_158, 1_153_434))]),
            new PeerStatus("5555666677778888999900001111aaaa", "mallory", "alive", "198.18.0.6:9419", s_now.AddSeconds(-1), ["mdns"], [], Trusted: false),
        ],
        new DiscoveryInfo("on", null, ["198.18.0.3:9419"], [new SeedInfo("198.18.0.3:9419", true, null, 3, s_now.AddSeconds(20))]),
        new GossipInfo(100, 90, new Dictionary<string, long> { ["key-mismatch"] = 4, ["malformed"] = 1, ["unproven-address"] = 2 }));

    private static string Render(StatusDocument status, int width = 120)
    {
        using var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = width;
        StatusText.Render(status, s_now, console);
        return writer.ToString();
    }

    [Fact]
    public void Render_KnownMesh_MatchesGoldenOutput()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Status", "status.golden.txt");
        var actual = Render(KnownMesh());
        if (Environment.GetEnvironmentVariable("PEERMESH_UPDATE_GOLDEN") == "1")
        {
            // Review the diff of the copied file before committing it.
            File.WriteAllText(path, actual);
        }

        Assert.Equal(File.ReadAllText(path), actual);
    }

    [Fact]
    public void Render_AuthorOfflineWorkCameThroughARelay_NamedWithViaAndAgeAndTheRefusedCopyShown()
    {
        var status = KnownMesh() with
        {
            Repos = [new RepoStatus(RepoId, "shop", "git://198.18.0.1:9418/", "/", SignedRefs: new SignedRefsInfo(5, s_now, 2, ["wip/9 (branch-cap)"], 3, new Dictionary<string, long> { ["bad-signature"] = 1 }))],
            Peers =
            [
                new PeerStatus("0123456789abcdef0123456789abcdef", "bob", "alive", "198.18.0.2:9419", s_now.AddSeconds(-2), ["mdns"], [],
                    Refused: [new RelayConflictInfo(RepoId, "11112222333344445555666677778888", "dave", "bad-signature", s_now.AddMinutes(-3))]),
                new PeerStatus("11112222333344445555666677778888", "dave", "offline", "", s_now.AddMinutes(-12), ["relay"], [], Serves: [RepoId],
                    Via: ["bob"], Statement: [new StatementInfo(RepoId, 17, s_now.AddMinutes(-12))]),
            ],
        };

        var text = Render(status);

        Assert.Contains("dave (offline, via bob, 12 min old)", text, StringComparison.Ordinal);
        Assert.Contains("refused dave's work served by bob: bad-signature, 3 min ago; nothing written", text, StringComparison.Ordinal);
        Assert.Contains("1 branch not shared: wip/9 (branch-cap)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_FetchRunning_ShowsObjectsBytesAndRate()
    {
        // Wide enough that the cell is not wrapped.
        var text = Render(KnownMesh(), width: 250);

        Assert.Contains("fetching… 1200/5000 objects, 3.4 MiB, 1.1 MiB/s", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_FetchRunningBeforePackHeader_ShowsBytesOnly()
    {
        var erin = KnownMesh().Peers[3];
        var status = KnownMesh() with
        {
            Peers = [erin with { Remotes = [erin.Remotes![0] with { Progress = new FetchProgressInfo(0, 0, 512, 256) }] }],
        };

        Assert.Contains("fetching… 512 B, 256 B/s", Render(status, width: 250), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_BreakerOpen_PausedAfterFailuresWithTheNextTry()
    {
        var carol = KnownMesh().Peers[1];
        var open = carol.Remotes![0] with { Breaker = "open", BreakerFailures = 3, BreakerNextTry = s_now.AddSeconds(25), NextFetch = s_now.AddSeconds(5) };
        var status = KnownMesh() with { Peers = [carol with { Remotes = [open] }] };

        var line = Assert.Single(Render(status, width: 250).Split('\n'), l => l.Contains("carol", StringComparison.Ordinal) && l.Contains("suspect", StringComparison.Ordinal));

        Assert.Contains("paused after 3 failures; next try in 25 s", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_BreakerOpenNextFetchLater_NextTryIsThatFetch()
    {
        var carol = KnownMesh().Peers[1];
        var open = carol.Remotes![0] with { Breaker = "open", BreakerFailures = 1, BreakerNextTry = s_now.AddSeconds(25), NextFetch = s_now.AddSeconds(70) };
        var status = KnownMesh() with { Peers = [carol with { Remotes = [open] }] };

        Assert.Contains("paused after 1 failure; next try in 70 s", Render(status, width: 250), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_AddressConflict_MarkedOnThePeersIdLine()
    {
        var carol = KnownMesh().Peers[1];
        var status = KnownMesh() with { Peers = [carol with { Remotes = [carol.Remotes![0] with { AddressConflict = true }] }] };

        var line = Assert.Single(Render(status, width: 250).Split('\n'), l => l.Contains(carol.Id, StringComparison.Ordinal));

        Assert.Contains("two addresses take turns claiming this id; its remote keeps its URL", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_BranchOnlyOnPeer_MarkedNewWithCommitsAhead()
    {
        Assert.Contains("feature/y (new) +2", Render(KnownMesh(), width: 250), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_PeerIds_ShownInFullOnOneLineEvenWhenNarrow()
    {
        var text = Render(KnownMesh(), width: 60);

        Assert.Contains("alice (ff8eab5c36e1ab68a5e659c53a45f36b)", text, StringComparison.Ordinal);
        foreach (var peer in KnownMesh().Peers)
        {
            Assert.Contains(peer.Id, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Render_UntrustedPeer_MarkedNotTrustedWithNoNextFetch()
    {
        var text = Render(KnownMesh(), width: 250);

        var lines = text.Split('\n').Where(l => l.Contains("mallory", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Contains("not trusted (peermesh.trust)", lines[0], StringComparison.Ordinal);
        Assert.Equal("  mallory   5555666677778888999900001111aaaa  not trusted", lines[1]);
        Assert.Contains("only 4 pinned nodes are fetched (peermesh.trust)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_IdClaimedFromAnotherAddress_ConflictOnThePeersIdLine()
    {
        var text = Render(KnownMesh(), width: 250);

        var line = Assert.Single(text.Split('\n'), l => l.Contains("0123456789abcdef0123456789abcdef", StringComparison.Ordinal));
        Assert.Equal("  bob       0123456789abcdef0123456789abcdef  conflict: also claimed from 198.18.0.66:9419 2 min ago, not believed", line);
    }

    [Fact]
    public void Render_NoTrustList_NoTrustLine()
    {
        var status = KnownMesh() with { Node = KnownMesh().Node with { Trust = [] } };

        Assert.DoesNotContain("pinned", Render(status), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_PeersServingOnlyOtherProjects_MarkedOnOneLineNotInTheTable()
    {
        var status = KnownMesh() with
        {
            Peers =
            [
                KnownMesh().Peers[0] with { Serves = [RepoId] },
                new PeerStatus("aaaabbbbccccddddeeeeffff00001111", "oscar", "alive", "198.18.0.7:9419", s_now, ["mdns"], [], Serves: [], OtherProjects: 2),
                new PeerStatus("bbbbccccddddeeeeffff000011112222", "petra", "alive", "198.18.0.8:9419", s_now, ["mdns"], [], Serves: [], OtherProjects: 0),
                new PeerStatus("ccccddddeeeeffff0000111122223333", "quinn", "alive", "198.18.0.9:9419", s_now, ["seed"], [], Serves: [RepoId]),
            ],
        };

        var text = Render(status);

        var table = text[..text.IndexOf("also in the mesh", StringComparison.Ordinal)];
        Assert.Contains("bob", table, StringComparison.Ordinal);
        Assert.Contains("quinn", table, StringComparison.Ordinal); // serves the project, no remote yet: in the table
        Assert.DoesNotContain("oscar", table, StringComparison.Ordinal);
        Assert.DoesNotContain("petra", table, StringComparison.Ordinal);
        Assert.Contains("also in the mesh, serving none of these projects: oscar (2 other projects), petra (nothing yet)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_ShallowClone_SaysWhyItMatchesNoPeerAndWhatToDo()
    {
        var status = KnownMesh() with { Repos = [KnownMesh().Repos[0] with { Shallow = true }] };

        var text = Render(status, width: 400);

        Assert.Contains("matches no peer: this is a shallow clone", text, StringComparison.Ordinal);
        Assert.Contains("git fetch --unshallow", text, StringComparison.Ordinal);
        Assert.DoesNotContain("shallow", Render(KnownMesh()), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_NoPeers_SaysSo()
    {
        var status = KnownMesh() with { Peers = [], Discovery = null, Gossip = null };

        Assert.Contains("no peers yet", Render(status), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_PeerNameWithMarkupAndControlCharacters_IsShownInertly()
    {
        var status = KnownMesh() with
        {
            Peers = [KnownMesh().Peers[0] with { Name = "[red]evil\u001b[2J" }],
        };

        var text = Render(status);

        Assert.Contains("[red]evil?[2J", text, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', text);
    }

    [Fact]
    public void Render_RepositoryMovedAway_ErrorLineUnderTheRepository()
    {
        var status = KnownMesh() with
        {
            Repos = [KnownMesh().Repos[0] with { Error = "repository not found at /home/a/shop (moved or deleted?)" }],
        };

        var lines = Render(status).Split('\n');

        var heading = Array.FindIndex(lines, l => l.StartsWith("shop served at", StringComparison.Ordinal));
        Assert.Equal("  ERROR repository not found at /home/a/shop (moved or deleted?)", lines[heading + 1].TrimEnd());
        Assert.DoesNotContain("ERROR", Render(KnownMesh()), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_SeedJoined_SaysJoinedOnTheDiscoveryLine()
    {
        Assert.Equal("discovery mDNS on; seeds 198.18.0.3:9419 (joined)", DiscoveryLine(KnownMesh()));
    }

    [Fact]
    public void Render_SeedNotAnswering_ErrorAndNextTry()
    {
        var status = KnownMesh() with
        {
            Discovery = new DiscoveryInfo("off", null, ["198.18.0.9:9419"], [new SeedInfo("198.18.0.9:9419", false, "no answer", 4, s_now.AddSeconds(8))]),
        };

        Assert.Equal("discovery mDNS off; seeds 198.18.0.9:9419 (no answer; next try in 8 s)", DiscoveryLine(status));
    }

    [Fact]
    public void Render_SeedsJoiningAndUnresolvable_EachWithItsState()
    {
        var status = KnownMesh() with
        {
            Discovery = new DiscoveryInfo("on", null, ["198.18.0.3:9419", "nowhere.lan:9419"],
            [
                new SeedInfo("198.18.0.3:9419", false, null, 1, s_now.AddSeconds(1)),
                new SeedInfo("nowhere.lan:9419", false, "cannot resolve nowhere.lan: Name or service not known", 7, s_now.AddMinutes(1)),
            ]),
        };

        Assert.Equal(
            "discovery mDNS on; seeds 198.18.0.3:9419 (joining), nowhere.lan:9419 (cannot resolve nowhere.lan: Name or service not known; next try in 60 s)",
            DiscoveryLine(status));
    }

    [Fact]
    public void Render_NoSeedStatus_SeedsAsConfigured()
    {
        var status = KnownMesh() with { Discovery = new DiscoveryInfo("on", null, ["198.18.0.3:9419"]) };

        Assert.Equal("discovery mDNS on; seeds 198.18.0.3:9419", DiscoveryLine(status));
        Assert.Equal("discovery mDNS on; no seeds", DiscoveryLine(KnownMesh() with { Discovery = new DiscoveryInfo("on", null, [], []) }));
    }

    private static string DiscoveryLine(StatusDocument status) =>
        Assert.Single(Render(status, width: 250).Split('\n'), l => l.StartsWith("discovery", StringComparison.Ordinal)).TrimEnd();

    [Fact]
    public void Render_RemoteCapReached_SaysHowManyNodesGotNoRemoteUnderTheRepository()
    {
        var status = KnownMesh() with { Repos = [KnownMesh().Repos[0] with { RemoteCap = new RemoteCapInfo(64, 64, 2936) }] };

        var lines = Render(status).Split('\n');

        var heading = Array.FindIndex(lines, l => l.StartsWith("shop served at", StringComparison.Ordinal));
        Assert.Equal("  cap reached: 2936 nodes serving this project were given no remote (max 64)", lines[heading + 1].TrimEnd());
        Assert.DoesNotContain("cap reached", Render(KnownMesh()), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_ServingDown_ReasonAndNextTryOnTheRepositoryLine()
    {
        var status = KnownMesh() with { Serving = new ServingInfo(false, 9418, 3, "git daemon killed by signal 9", s_now.AddSeconds(4)) };

        var line = Assert.Single(Render(status, width: 250).Split('\n'), l => l.StartsWith("shop served at", StringComparison.Ordinal));

        Assert.EndsWith("(DOWN: git daemon killed by signal 9; next try in 4 s)", line.TrimEnd(), StringComparison.Ordinal);
    }
}
