namespace PeerMesh.Discovery.Tests.Namespaces;

/// <summary>A network namespace created (and always deleted) by a test.</summary>
internal sealed class NetworkNamespace : IAsyncDisposable
{
    private NetworkNamespace(string name)
    {
        Name = name;
    }

    public string Name { get; }

    /// <summary>Null when namespaces can be used here, else why not (for the skip message).</summary>
    public static async Task<string?> UnavailableReasonAsync()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "network namespaces need Linux";
        }

        if (Environment.UserName != "root" && !Environment.IsPrivilegedProcess)
        {
            return "network namespaces need root";
        }

        var (code, output) = await ProcessRunner.RunAsync("ip", "netns", "list");
        return code == 0 ? null : "`ip netns` is unavailable: " + output.Trim();
    }

    public static async Task<NetworkNamespace> CreateAsync(string prefix)
    {
        var name = $"{prefix}-{Random.Shared.Next(0x10000, 0xFFFFF):x}";
        await ProcessRunner.RunCheckedAsync("ip", "netns", "add", name);
        var ns = new NetworkNamespace(name);
        try
        {
            await ns.RunCheckedAsync("ip", "link", "set", "lo", "up");
            return ns;
        }
        catch
        {
            await ns.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs a command inside the namespace.</summary>
    public Task<string> RunCheckedAsync(string file, params string[] args) =>
        ProcessRunner.RunCheckedAsync("ip", ["netns", "exec", Name, file, .. args]);

    /// <summary>Runs a command inside the namespace; a failure is returned, not thrown.</summary>
    public Task<(int ExitCode, string Output)> RunAsync(string file, params string[] args) =>
        ProcessRunner.RunAsync("ip", ["netns", "exec", Name, file, .. args]);

    /// <summary>The ifindex of a link inside the namespace.</summary>
    public async Task<int> InterfaceIndexAsync(string link)
    {
        var output = await ProcessRunner.RunCheckedAsync("ip", "-n", Name, "-o", "link", "show", "dev", link);
        return int.Parse(output[..output.IndexOf(':', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync() => await ProcessRunner.RunAsync("ip", "netns", "del", Name);
}
