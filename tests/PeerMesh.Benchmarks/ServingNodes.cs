using System.Globalization;
using System.Text.Json.Nodes;
using PeerMesh.TestSupport.Git;
using PeerMesh.TestSupport.Processes;

namespace PeerMesh.Benchmarks;

/// <summary>Real nodes serving several repositories from one home, and what the benchmarks read of them.</summary>
internal static class ServingNodes
{
    /// <summary>
    /// Starts a node in <paramref name="home"/> with the first repository and <paramref name="flags"/>, then adds the
    /// others with <c>up PATH</c>; a node that fails on the way is stopped before the exception leaves.
    /// </summary>
    public static async Task<NodeProcess> StartAsync(string home, List<TempRepository> repos, IEnumerable<string> flags, CancellationToken cancellationToken)
    {
        var node = NodeProcess.Start(repos[0].Path, flags, home: home);
        try
        {
            await node.WaitUntilUpAsync(cancellationToken);
            foreach (var repo in repos.Skip(1))
            {
                var (code, _, stderr) = await node.RunAsync(["up", repo.Path], cancellationToken);
                if (code != 0)
                {
                    throw new InvalidOperationException($"up {repo.Path} exited {code}: {stderr}");
                }
            }

            return node;
        }
        catch
        {
            await node.DisposeAsync(); // not yet in the caller's list: stopped here
            throw;
        }
    }

    /// <summary>The managed remotes of every repository the node serves (0 while it does not answer).</summary>
    public static async Task<int> RemotesAsync(NodeProcess node, CancellationToken cancellationToken)
    {
        var (code, stdout, _) = await node.RunAsync(["status", "--json", "--all"], cancellationToken);
        return code != 0 ? 0 : JsonNode.Parse(stdout)!["peers"]!.AsArray().Sum(p => p!["remotes"]?.AsArray().Count ?? 0);
    }

    /// <summary>The resident set of process <paramref name="pid"/>, in MiB (/proc).</summary>
    public static double RssMiB(int pid) =>
        File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Select(l => double.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024).Single();
}
