using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace PeerMesh.Discovery.Tests.Namespaces;

/// <summary>
/// A dedicated thread moved into a network namespace with setns(2). Work run on it (creating sockets)
/// happens inside the namespace; sockets keep their namespace afterwards, wherever they are used.
/// </summary>
internal sealed partial class NamespaceThread : IDisposable
{
    private const int CloneNewNet = 0x40000000;

    private readonly BlockingCollection<Action> _work = [];
    private readonly Thread _thread;
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public NamespaceThread(string namespaceName)
    {
        _thread = new Thread(() => Run(namespaceName)) { IsBackground = true, Name = "netns " + namespaceName };
        _thread.Start();
        _entered.Task.GetAwaiter().GetResult();
    }

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
        _work.CompleteAdding();
        _thread.Join();
        _work.Dispose();
    }

    private void Run(string namespaceName)
    {
        try
        {
            using var handle = File.OpenHandle(Path.Combine("/var/run/netns", namespaceName));
            if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
            {
                throw new InvalidOperationException($"setns failed: errno {Marshal.GetLastPInvokeError()}");
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
