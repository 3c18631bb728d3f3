namespace PeerMesh.Cli.Doctor;

internal enum CheckOutcome
{
    Pass,
    Warn,
    Fail,
}
