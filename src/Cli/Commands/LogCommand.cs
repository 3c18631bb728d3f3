using System.Text;
using PeerMesh.Cli.Home;

namespace PeerMesh.Cli.Commands;

/// <summary><c>peermesh log [-f]</c>: prints the log of a node started with <c>up --detach</c>; <c>-f</c> follows it until Ctrl-C.</summary>
internal static class LogCommand
{
    public static async Task<int> RunAsync(NodeHome home, bool follow, TextWriter output, CancellationToken cancellationToken)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(home.LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CliException($"no log in {home} (a node started with 'peermesh up --detach' writes {home.LogFile})", ExitCodes.Failure);
        }

        await using (stream)
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            do
            {
                string? line;
                while ((line = await reader.ReadLineAsync(cancellationToken)) is not null)
                {
                    await output.WriteLineAsync(line);
                }

                if (follow)
                {
                    await output.FlushAsync(cancellationToken);
                    try
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(200), TimeProvider.System, cancellationToken);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }
            }
            while (follow);
        }

        return ExitCodes.Ok;
    }
}
