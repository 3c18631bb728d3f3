using PeerMesh.Cli.Doctor;
using PeerMesh.Cli.Home;
using PeerMesh.Cli.Settings;

namespace PeerMesh.Cli.Commands;

/// <summary><c>peermesh doctor</c>: one line per check; exit 1 if any check failed.</summary>
internal static class DoctorCommand
{
    public static async Task<int> RunAsync(string path, CommandLineSettings flags, NodeHome home, TextWriter output)
    {
        var failed = false;
        foreach (var result in DoctorChecks.Run(path, flags, home))
        {
            failed |= result.Outcome == CheckOutcome.Fail;
            await output.WriteLineAsync(result.ToString());
        }

        return failed ? ExitCodes.Failure : ExitCodes.Ok;
    }
}
