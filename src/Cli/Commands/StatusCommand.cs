using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using PeerMesh.Cli.Control;
using PeerMesh.Cli.Home;
using PeerMesh.Cli.Status;

namespace PeerMesh.Cli.Commands;

/// <summary>
/// <c>peermesh status [PATH]</c>: the node's view, as a table for people or JSON for scripts: of the repository at PATH
/// (or the one the current folder is in, when the node serves it), else, and with <c>--all</c>, of every one served.
/// </summary>
/// <remarks>
/// The client opens no repository: the node finds the served one a folder is in (<see cref="Node.ControlDispatcher"/>).
/// Loading libgit2 and walking history to the repo id here was most of a run's time; this path loads no LibGit2Sharp,
/// no Spectre.Console for <c>--json</c>, and no hosting or web assemblies.
/// </remarks>
internal static class StatusCommand
{
    public static async Task<int> RunAsync(NodeHome home, string? path, bool all, bool json, bool watch, TextWriter output, CancellationToken cancellationToken)
    {
        var repo = all ? null : Path.TrimEndingDirectorySeparator(Path.GetFullPath(path ?? "."));
        if (path is not null && !Directory.Exists(repo))
        {
            throw new CliException($"{repo}: no such directory", ExitCodes.Usage);
        }

        // The current folder's repository is shown only if the node serves it; else everything is.
        ControlResponse? first = null;
        if (repo is not null && path is null)
        {
            try
            {
                first = NodeClient.Send(home, "status", null, repo);
            }
            catch (CliException e) when (e.ExitCode == ExitCodes.Usage)
            {
                repo = null;
            }
        }

        StatusConsole? console = null;
        do
        {
            var response = first ?? NodeClient.Send(home, "status", null, repo);
            first = null;
            if (json)
            {
                await output.WriteLineAsync(Indented(response.Body));
            }
            else
            {
                var status = response.Body.Deserialize(ControlJsonContext.Default.StatusDocument)
                    ?? throw new CliException("the node sent an empty status", ExitCodes.Failure);
                console ??= new StatusConsole(output);
                console.Show(status, TimeProvider.System.GetUtcNow(), redraw: watch);
            }

            if (watch)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), TimeProvider.System, cancellationToken);
            }
        }
        while (watch && !cancellationToken.IsCancellationRequested);

        return ExitCodes.Ok;
    }

    /// <summary>
    /// The document as the node sent it, indented: the form of <see cref="ControlJson.Indented"/>, written straight
    /// from the answer so that <c>--json</c> never starts the serializer.
    /// </summary>
    private static string Indented(JsonNode? body)
    {
        if (body is null)
        {
            return "";
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            body.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
