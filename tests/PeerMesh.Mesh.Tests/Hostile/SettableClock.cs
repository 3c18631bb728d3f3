namespace PeerMesh.Mesh.Tests.Hostile;

/// <summary>A wall clock that can jump either way (FakeTimeProvider refuses to go back), as a real one can.</summary>
internal sealed class SettableClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
