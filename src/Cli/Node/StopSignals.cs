using System.Runtime.InteropServices;

namespace PeerMesh.Cli.Node;

/// <summary>
/// The signals that stop a node (SIGINT from Ctrl-C, SIGTERM, SIGQUIT), caught from the first moment of <c>up</c>:
/// the first one asks for a clean stop and is remembered for the exit code; a second one takes its default action
/// (the node ends at once; its git daemon still ends with it).
/// </summary>
internal sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _requested = new();
    private readonly PosixSignalRegistration[] _registrations;
    private readonly Lock _gate = new();
    private PosixSignal? _received;

    public StopSignals()
    {
        // The registrations go into a field and are disposed in Dispose; the analyzer does not follow them into the array.
#pragma warning disable CA2000
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGQUIT, OnSignal),
        ];
#pragma warning restore CA2000
    }

    /// <summary>Cancelled when the first stop signal arrives.</summary>
    public CancellationToken Requested => _requested.Token;

    /// <summary>The first stop signal received, if any.</summary>
    public PosixSignal? Received
    {
        get
        {
            lock (_gate)
            {
                return _received;
            }
        }
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _requested.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        lock (_gate)
        {
            if (_received is not null)
            {
                return;
            }

            _received = context.Signal;
        }

        context.Cancel = true;
        _requested.Cancel();
    }
}
