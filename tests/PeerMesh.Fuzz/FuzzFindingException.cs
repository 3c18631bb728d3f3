namespace PeerMesh.Fuzz;

/// <summary>A broken promise found by a target (not a decoder's own exception): crashes the run so AFL keeps the input.</summary>
internal sealed class FuzzFindingException : Exception
{
    public FuzzFindingException(string message)
        : base(message)
    {
    }

    public FuzzFindingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
