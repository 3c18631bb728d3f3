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

    [Fact]
    public void ClientSocketPath_RepositoryMovedWhileNodeUsesTheShortPath_FollowsTheRecordedPath()
    {
        var root = Directory.CreateTempSubdirectory("peermesh-paths-").FullName;
        var oldState = Path.Combine(root, new string('a', 120), ".git", "peermesh");
        var newState = Path.Combine(root, new string('b', 120), ".git", "peermesh");
        Directory.CreateDirectory(oldState);
        var bound = ControlPaths.SocketPath(oldState);
        try
        {
            File.WriteAllText(bound, string.Empty); // stands for the node's socket
            ControlPaths.RecordBoundPath(oldState, bound);
            Assert.Equal(bound, ControlPaths.ClientSocketPath(oldState));

            Directory.Move(Path.Combine(root, new string('a', 120)), Path.Combine(root, new string('b', 120)));

            Assert.NotEqual(bound, ControlPaths.SocketPath(newState));
            Assert.Equal(bound, ControlPaths.ClientSocketPath(newState));

            // The node stopped (its socket is gone): the record is stale and the computed path is used.
            File.Delete(bound);
            Assert.Equal(ControlPaths.SocketPath(newState), ControlPaths.ClientSocketPath(newState));
            ControlPaths.ForgetBoundPath(newState);
            Assert.False(File.Exists(Path.Combine(newState, ControlPaths.PointerFileName)));
            ControlPaths.ForgetBoundPath(oldState); // gone with the move: no exception
        }
        finally
        {
            File.Delete(bound);
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void RecordBoundPath_SocketInsideTheStateDirectory_NoRecordAndAStaleOneRemoved()
    {
        var state = Path.Combine(Directory.CreateTempSubdirectory("peermesh-paths-").FullName, ".git", "peermesh");
        Directory.CreateDirectory(state);
        var pointer = Path.Combine(state, ControlPaths.PointerFileName);
        File.WriteAllText(pointer, "/stale/path.sock");
        try
        {
            ControlPaths.RecordBoundPath(state, ControlPaths.SocketPath(state));

            Assert.False(File.Exists(pointer));
            Assert.Equal(Path.Combine(state, ControlPaths.SocketFileName), ControlPaths.ClientSocketPath(state));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(Path.GetDirectoryName(state))!, recursive: true);
        }
    }
}
