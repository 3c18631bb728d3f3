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

    /// <summary>
    /// Runs several commands in one `ip [-n NS] -o -batch -` (one process instead of one per step, which is most of
    /// the time it takes to make or remove a bed on a loaded machine). Without <paramref name="force"/> the first
    /// failing command stops the batch and throws with ip's message; with it, every command is tried.
    /// </summary>
    public static async Task<CommandResult> BatchAsync(string? ns, IEnumerable<string> commands, bool force, CancellationToken cancellationToken)
    {
        var lines = commands.ToList();
        string[] args = [.. ns is null ? [] : new[] { "-n", ns }, "-o", .. force ? new[] { "-force" } : [], "-batch", "-"];
        var result = await CommandRunner.RunAsync(
            Path, args, null, null, string.Join('\n', lines) + "\n", TimeSpan.FromSeconds(30), cancellationToken);
        return force ? result : result.EnsureSuccess($"ip {string.Join(' ', args)} [{string.Join("; ", lines)}]");
    }
}
