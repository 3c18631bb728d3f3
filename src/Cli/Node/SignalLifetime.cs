using Microsoft.Extensions.Hosting;

namespace PeerMesh.Cli.Node;

/// <summary>
/// The host's lifetime for <c>up</c> in place of the console lifetime: the stop signals, caught before the host
/// exists, stop the application (also one that arrived while the node was still starting).
/// </summary>
internal sealed class SignalLifetime(StopSignals signals, IHostApplicationLifetime application) : IHostLifetime, IDisposable
{
    private CancellationTokenRegistration _registration;

    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        _registration = signals.Requested.Register(application.StopApplication);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _registration.Dispose();
}
