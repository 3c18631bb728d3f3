using System.Net;

namespace PeerMesh.TestSupport.Netns;

/// <summary>
/// One host of a <see cref="NetnsTestBed"/>: its own network namespace with lo and eth0 (a veth to the bed's
/// bridge), an address in 198.18.0.0/24 and a route for 224.0.0.0/4 so multicast leaves through eth0.
/// </summary>
public sealed class NetnsHost
{
    private readonly List<NetnsProcess> _processes = [];
    private readonly List<NetnsThread> _threads = [];
    private readonly Lock _gate = new();

    internal NetnsHost(int index, string ns, string switchPort, IPAddress address, string workDirectory)
    {
        Index = index;
        Name = $"h{index}";
        Namespace = ns;
        SwitchPort = switchPort;
        Address = address;
        WorkDirectory = workDirectory;
        Directory.CreateDirectory(LogDirectory);
    }

    /// <summary>1-based position in the bed.</summary>
    public int Index { get; }

    /// <summary>Short name, "h1".."h10".</summary>
    public string Name { get; }

    public string Namespace { get; }

    /// <summary>The veth end in the switch namespace, attached to the bridge.</summary>
    public string SwitchPort { get; }

    /// <summary>
    /// The current IPv4 address of eth0 (changes with <see cref="NetnsTestBed.ChangeAddressAsync"/>); on a bed made
    /// without IPv4 (<see cref="NetnsTestBedOptions.Ipv4"/>), the fixed link-local address.
    /// </summary>
    public IPAddress Address { get; internal set; }

    /// <summary>
    /// Every cable of the host, eth0 first (its address as first made; <see cref="Address"/> follows address
    /// changes). One unless the bed was made with <see cref="NetnsTestBedOptions.Links"/>.
    /// </summary>
    public IReadOnlyList<NetnsInterface> Interfaces { get; internal set; } = [];

    /// <summary>eth0's interface index inside the namespace.</summary>
    public int InterfaceIndex { get; internal set; }

    /// <summary>eth0's fixed IPv6 link-local address fe80::N (no scope), when the bed has them (<see cref="NetnsTestBedOptions.FixedIpv6LinkLocal"/>).</summary>
    public IPAddress? LinkLocalAddress { get; internal set; }

    /// <summary>A temp folder for this host (clones, logs); removed with the bed.</summary>
    public string WorkDirectory { get; }

    public string LogDirectory => Path.Combine(WorkDirectory, "logs");

    internal double LossPercent { get; set; }

    internal TimeSpan Delay { get; set; }

    internal bool LossBothWays { get; set; }

    internal bool MulticastBlocked { get; set; }

    internal bool LinkDown { get; set; }

    internal IReadOnlyList<NetnsProcess> Processes
    {
        get
        {
            lock (_gate)
            {
                return [.. _processes];
            }
        }
    }

    internal IReadOnlyList<NetnsThread> Threads
    {
        get
        {
            lock (_gate)
            {
                return [.. _threads];
            }
        }
    }

    /// <summary>Runs argv to completion inside this host's namespace.</summary>
    public Task<CommandResult> RunAsync(
        IReadOnlyList<string> argv,
        string? workingDirectory,
        IReadOnlyDictionary<string, string?>? environment,
        TimeSpan timeout,
        CancellationToken cancellationToken) =>
        CommandRunner.RunAsync(Ip.Path, [.. ExecPrefix.Skip(1), .. argv], workingDirectory, environment, timeout, cancellationToken);

    /// <summary>Runs argv inside this host's namespace with a 30 s timeout.</summary>
    public Task<CommandResult> RunAsync(IReadOnlyList<string> argv, CancellationToken cancellationToken) =>
        RunAsync(argv, null, null, TimeSpan.FromSeconds(30), cancellationToken);

    /// <summary>
    /// Starts argv inside this host's namespace; stdout and stderr go to LogDirectory/NAME.stdout.log and .stderr.log.
    /// The bed kills it at teardown if nobody did before.
    /// </summary>
    public NetnsProcess StartProcess(
        IReadOnlyList<string> argv,
        string name,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var process = NetnsProcess.Start(ExecPrefix, argv, workingDirectory, environment, $"{Name}-{name}", LogDirectory);
        lock (_gate)
        {
            _processes.Add(process);
        }

        return process;
    }

    /// <summary>
    /// Starts a thread of this test process inside this host's namespace (setns), for in-process code that must run
    /// there, such as creating a socket. The bed ends it at teardown if nobody did before.
    /// </summary>
    public NetnsThread StartThread()
    {
        var thread = new NetnsThread(Namespace);
        lock (_gate)
        {
            _threads.Add(thread);
        }

        return thread;
    }

    /// <summary>Runs `ip -n NS ARGS` for this host's namespace; a failure throws with ip's message.</summary>
    public Task IpAsync(CancellationToken cancellationToken, params string[] args) =>
        Ip.RunAsync(cancellationToken, ["-n", Namespace, .. args]);

    /// <summary>Every process currently in this namespace (including children of the ones started here).</summary>
    public async Task<IReadOnlyList<NetnsProcessInfo>> ListProcessesAsync(CancellationToken cancellationToken)
    {
        var list = new List<NetnsProcessInfo>();
        foreach (var pid in NetnsSweeper.ProcessesIn(Namespace))
        {
            try
            {
                var comm = (await File.ReadAllTextAsync($"/proc/{pid}/comm", cancellationToken)).TrimEnd('\n');
                var cmdline = await File.ReadAllTextAsync($"/proc/{pid}/cmdline", cancellationToken);
                list.Add(new NetnsProcessInfo(pid, comm, cmdline.Split('\0', StringSplitOptions.RemoveEmptyEntries)));
            }
            catch (IOException)
            {
                // Exited while listing.
            }
            catch (UnauthorizedAccessException)
            {
                // Exited and the pid was reused by something we may not read.
            }
        }

        return list;
    }

    /// <summary>SIGKILLs every process in this namespace that <see cref="NetnsProcessInfo.IsNamed"/> matches; returns how many.</summary>
    public async Task<int> KillProcessesNamedAsync(string name, CancellationToken cancellationToken)
    {
        var killed = 0;
        foreach (var info in await ListProcessesAsync(cancellationToken))
        {
            if (info.IsNamed(name) && Signal.Kill(info.Pid))
            {
                killed++;
            }
        }

        return killed;
    }

    public override string ToString() => $"{Name} ({Address}, netns {Namespace})";

    internal string[] ExecPrefix => [Ip.Path, "netns", "exec", Namespace];
}
