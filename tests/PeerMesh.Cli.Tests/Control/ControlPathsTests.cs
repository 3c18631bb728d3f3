using PeerMesh.Cli.Control;
using Xunit;

namespace PeerMesh.Cli.Tests.Control;

public sealed class ControlPathsTests
{
    [Fact]
    public void SocketPath_ShortStateDirectory_IsInsideIt()
    {
        Assert.Equal("/tmp/r/.git/peermesh/control.sock", ControlPaths.SocketPath("/tmp/r/.git/peermesh"));
    }

    [Fact]
    public void SocketPath_LongStateDirectory_FallsBackToAShortStablePrivatePath()
    {
        var longDir = "/tmp/" + new string('x', 150) + "/.git/peermesh";

        var path = ControlPaths.SocketPath(longDir);

        Assert.True(System.Text.Encoding.UTF8.GetByteCount(path) <= 100, path);
        Assert.Equal(path, ControlPaths.SocketPath(longDir));
        Assert.NotEqual(path, ControlPaths.SocketPath(longDir + "2"));
        var mode = File.GetUnixFileMode(Path.GetDirectoryName(path)!);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, mode);
    }
}
