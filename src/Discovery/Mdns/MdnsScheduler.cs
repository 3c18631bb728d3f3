using Microsoft.Extensions.Logging;

namespace PeerMesh.Discovery.Mdns;

/// <summary>
/// One-shot timers whose callbacks run under the discovery lock, so the responder and browser are
/// single-threaded logic. Nothing runs after <see cref="Dispose"/>.
/// </summary>
internal sealed class MdnsScheduler(TimeProvider timeProvider, object gate, ILogger logger) : IDisposable
{
    private readonly HashSet<ITimer> _timers = [];
    private bool _disposed;

    public TimeProvider Time => timeProvider;

    public object Gate => gate;

    public bool IsDisposed => _disposed;

    /// <summary>Runs a callback already under the lock, logging instead of throwing.</summary>
    public void Run(Action action)
    {
        try
        {
            action();
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "mDNS timer callback failed");
        }
    }

    /// <summary>Runs <paramref name="action"/> under the lock after <paramref name="due"/> (at least one tick, never inline).</summary>
    public void Schedule(TimeSpan due, Action action)
    {
        lock (gate)
        {
            if (_disposed)
            {
                return;
            }

            ITimer? timer = null;
            var fired = false;
            timer = timeProvider.CreateTimer(
                _ =>
                {
                    lock (gate)
                    {
                        if (_disposed || fired)
                        {
                            return;
                        }

                        fired = true;
                        if (timer is not null)
                        {
                            _timers.Remove(timer);
                            timer.Dispose();
                        }

                        Run(action);
                    }
                },
                null,
                due < TimeSpan.FromTicks(1) ? TimeSpan.FromTicks(1) : due,
                Timeout.InfiniteTimeSpan);
            if (!fired)
            {
                _timers.Add(timer);
            }
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            _disposed = true;
            foreach (var timer in _timers)
            {
                timer.Dispose();
            }

            _timers.Clear();
        }
    }
}
