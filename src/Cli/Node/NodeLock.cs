using System.Text.Json;
using PeerMesh.Cli.Control;

namespace PeerMesh.Cli.Node;

/// <summary>
/// At most one node per home: an exclusive lock on <c>HOME/node.lock</c> held for the
/// node's lifetime (the OS releases it when the process dies, also on kill -9), and a
/// <c>node.json</c> beside it that says who holds it.
/// </summary>
internal sealed class NodeLock : IDisposable
{
    private const string LockFileName = "node.lock";
    private const string InfoFileName = "node.json";

    private readonly FileStream _lock;
    private readonly string _infoPath;

    private NodeLock(FileStream @lock, string infoPath)
    {
        _lock = @lock;
        _infoPath = infoPath;
    }

    /// <exception cref="CliException">Another node holds the lock (exit 2).</exception>
    public static NodeLock Acquire(string stateDirectory, NodeLockInfo info)
    {
        Directory.CreateDirectory(stateDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var lockPath = Path.Combine(stateDirectory, LockFileName);
        var infoPath = Path.Combine(stateDirectory, InfoFileName);
        FileStream stream;
        try
        {
            stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            var holder = ReadInfo(stateDirectory);
            var who = holder is null ? "another node" : $"node '{holder.Name}' ({holder.Id[..8]}, pid {holder.Pid})";
            throw new CliException($"{who} is already running for this home; stop it with 'peermesh down --all'", ExitCodes.Usage);
        }

        File.WriteAllText(infoPath, JsonSerializer.Serialize(info, ControlJsonContext.Default.NodeLockInfo));
        return new NodeLock(stream, infoPath);
    }

    /// <summary>Whether a live node holds the lock now (a node killed with -9 holds nothing).</summary>
    public static bool IsHeld(string stateDirectory)
    {
        try
        {
            using var probe = new FileStream(Path.Combine(stateDirectory, LockFileName), FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Who holds (or last held) the lock of this state directory, if it says.</summary>
    public static NodeLockInfo? ReadInfo(string stateDirectory)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(Path.Combine(stateDirectory, InfoFileName)), ControlJsonContext.Default.NodeLockInfo);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        try
        {
            File.Delete(_infoPath);
        }
        catch (IOException)
        {
        }

        _lock.Dispose();
    }
}
