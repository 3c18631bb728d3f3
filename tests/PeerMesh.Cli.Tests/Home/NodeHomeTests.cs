using PeerMesh.Cli.Home;
using Xunit;

namespace PeerMesh.Cli.Tests.Home;

public sealed class NodeHomeTests
{
    private static Func<string, string?> Environment(params (string Name, string Value)[] values) =>
        name => values.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void Resolve_FlagGiven_WinsOverEverything()
    {
        var home = NodeHome.Resolve("/srv/a/", Environment(("PEERMESH_HOME", "/srv/b"), ("XDG_STATE_HOME", "/srv/c"), ("HOME", "/home/d")));

        Assert.Equal("/srv/a", home.Directory);
    }

    [Fact]
    public void Resolve_NoFlag_PeermeshHomeThenXdgStateHomeThenHome()
    {
        Assert.Equal("/srv/b", NodeHome.Resolve(null, Environment(("PEERMESH_HOME", "/srv/b"), ("XDG_STATE_HOME", "/srv/c"), ("HOME", "/home/d"))).Directory);
        Assert.Equal("/srv/c/peermesh", NodeHome.Resolve(null, Environment(("XDG_STATE_HOME", "/srv/c"), ("HOME", "/home/d"))).Directory);
        Assert.Equal("/home/d/.local/state/peermesh", NodeHome.Resolve(null, Environment(("HOME", "/home/d"))).Directory);
    }

    [Fact]
    public void Resolve_XdgStateHomeRelative_IgnoredAsTheSpecSays()
    {
        var home = NodeHome.Resolve(null, Environment(("XDG_STATE_HOME", "relative/state"), ("HOME", "/home/d")));

        Assert.Equal("/home/d/.local/state/peermesh", home.Directory);
    }

    [Fact]
    public void Resolve_RelativeFlag_MadeFullFromTheCurrentFolder()
    {
        var home = NodeHome.Resolve("node-a", Environment());

        Assert.Equal(Path.Combine(System.Environment.CurrentDirectory, "node-a"), home.Directory);
    }

    [Fact]
    public void Resolve_NothingToGoOn_Exit2()
    {
        var e = Assert.Throws<CliException>(() => NodeHome.Resolve(null, Environment()));

        Assert.Equal(ExitCodes.Usage, e.ExitCode);
    }
}
