using System.Text.Json;
using PeerMesh.Cli.Control;
using PeerMesh.Cli.Home;
using PeerMesh.Cli.Node;
using PeerMesh.Mesh.Text;

namespace PeerMesh.Cli.Commands;

/// <summary><c>peermesh fetch [NAME]</c>: fetch one managed remote, or every one, of a served repository now.</summary>
internal static class FetchCommand
{
    public static async Task<int> RunAsync(NodeHome home, string path, string? remote, TextWriter output, CancellationToken cancellationToken)
    {
        var repo = NodeRepository.Open(path);
        var response = await NodeClient.SendAsync(home, "fetch", cancellationToken, remote, repo.WorkingDirectory);
        var reports = response.Body.Deserialize<List<FetchResultLine>>(ControlJson.Options) ?? [];
        if (reports.Count == 0)
        {
            await output.WriteLineAsync("no peers to fetch from");
            return ExitCodes.Ok;
        }

        foreach (var report in reports)
        {
            await output.WriteLineAsync(report.Ok
                ? $"{report.Remote}: {Plural.Count(report.UpdatedRefs, "ref", "refs")} updated"
                : $"{report.Remote}: failed: {report.Error}");
        }

        return reports.All(r => r.Ok) ? ExitCodes.Ok : ExitCodes.Failure;
    }

    private sealed record FetchResultLine(string Remote, bool Ok, string? Error, int UpdatedRefs);
}
