using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace PeerMesh.TestSupport.Netns;

/// <summary>
/// A dedicated thread of this process moved into a host's network namespace with setns(2), for in-process code that
/// must run there (creating sockets, enumerating interfaces). Sockets keep their namespace afterwards, wherever they
/// are used. Made by <see cref="NetnsHost.StartThread"/>; the bed ends it at teardown if the test did not.
/// </summary>
public sealed partial class NetnsThread : IDisposable
{
    private const int CloneNewNet = 0x40000000;

    private readonly BlockingCollection<Action> _work = [];
    private readonly Thread _thread;
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    internal NetnsThread(string namespaceName)
    {
        _thread = new Thread(() => Run(namespaceName)) { IsBackground = true, Name = "netns " + namespaceName };
        _thread.Start();
        try
        {
            _entered.Task.GetAwaiter().GetResult();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="func"/> on the thread (inside the namespace) and returns its result or throws its exception.</summary>
    public T Invoke<T>(Func<T> func)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try
            {
                done.SetResult(func());
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        });
        return done.Task.GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _work.CompleteAdding();
        _thread.Join();
        _work.Dispose();
    }

    private void Run(string namespaceName)
    {
        try
        {
            using var handle = File.OpenHandle(Path.Combine("/run/netns", namespaceName));
            if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
            {
                throw new InvalidOperationException($"setns into {namespaceName} failed: errno {Marshal.GetLastPInvokeError()}");
            }

            _entered.SetResult();
        }
        catch (Exception ex)
        {
            _entered.SetException(ex);
            return;
        }

        foreach (var action in _work.GetConsumingEnumerable())
        {
            action();
        }
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nsType);
}
