namespace PeerMesh.TestSupport.Netns;

/// <summary>Runs iproute2's `ip`, `tc` and `bridge`; a failing call throws with the tool's own message.</summary>
internal static class Ip
{
    public static readonly string Path = CommandRunner.FindTool("ip");

    public static readonly string TcPath = CommandRunner.FindTool("tc");

    public static async Task RunAsync(CancellationToken cancellationToken, params string[] args)
    {
        var result = await CommandRunner.RunAsync(Path, args, cancellationToken);
        result.EnsureSuccess("ip " + string.Join(' ', args));
    }

    public static Task<CommandResult> TryRunAsync(CancellationToken cancellationToken, params string[] args) =>
        CommandRunner.RunAsync(Path, args, cancellationToken);

    /// <summary>`tc` inside a namespace (`ip netns exec NS tc ...`).</summary>
    public static Task<CommandResult> TcAsync(string ns, CancellationToken cancellationToken, params string[] args) =>
        CommandRunner.RunAsync(Path, ["netns", "exec", ns, TcPath, .. args], cancellationToken);

    public static async Task<IReadOnlyList<string>> ListNamespacesAsync(CancellationToken cancellationToken)
    {
        var result = await CommandRunner.RunAsync(Path, ["netns", "list"], cancellationToken);
        result.EnsureSuccess("ip netns list");
        return result.Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', 2)[0])
            .ToList();
    }
}
