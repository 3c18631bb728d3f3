namespace PeerMesh.Cli.Node;

/// <summary>
/// Asks the running node to stop: the control socket's <c>down</c>, the last repository removed, a stop signal, or a
/// cancelled <c>up</c>. <c>up</c> waits for <see cref="Stopping"/> and then stops the node's parts in reverse order.
/// </summary>
internal sealed class NodeLifetime : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Cancelled once a stop was asked for.</summary>
    public CancellationToken Stopping => _stopping.Token;

    public void StopApplication() => _stopping.Cancel();

    public void Dispose() => _stopping.Dispose();
}
