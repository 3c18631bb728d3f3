using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using PeerMesh.Cli.Control;
using PeerMesh.Cli.Home;
using PeerMesh.Cli.Logging;
using PeerMesh.Cli.Node;
using PeerMesh.Cli.Settings;
using PeerMesh.Mesh.Identity;
using PeerMesh.Mesh.Text;
using PeerMesh.Sync.LocalRepo;
using PeerMesh.Sync.Serving;

namespace PeerMesh.Cli.Commands;

/// <summary>
/// <c>peermesh up [PATH]</c>: adds the repository to the home's node. With a node running it asks it over the control
/// socket and returns at once; otherwise it starts the node (the composition root), in the foreground until stopped,
/// or with <c>--detach</c> in the background, returning once it serves. A stop may come at any moment, also while the
/// node starts: the host then stops what had started, and <c>up</c> exits 0 (130 for Ctrl-C).
/// </summary>
internal static class UpCommand
{
    private static readonly TimeSpan s_startDeadline = TimeSpan.FromSeconds(60);

    /// <summary>How long a stopping node waits for its parts (the git daemon's end, running fetches) before it goes on.</summary>
    private static readonly TimeSpan s_stopDeadline = TimeSpan.FromSeconds(2);

    public static async Task<int> RunAsync(UpRequest request, TextWriter output, CancellationToken cancellationToken)
    {
        using var signals = new StopSignals();
        var home = request.Home;
        var given = Given(request.Path);
        if (given is { ShallowCut: true })
        {
            await output.WriteLineAsync($"warning: {given.WorkingDirectory} matches no peer: {LocalRepository.ShallowAdvice}");
        }

        if (await NodeClient.IsRunningAsync(home, cancellationToken))
        {
            return await AddToRunningAsync(request, given, output, cancellationToken);
        }

        var saved = ServedReposFile.Read(home);
        if (given is null && saved.Count == 0)
        {
            throw new CliException($"{Path.GetFullPath(".")} is not inside a git repository, and the node of {home} served nothing before; give a repository's path", ExitCodes.Usage);
        }

        if (request.Detach)
        {
            return await DetachAsync(request, given, output, cancellationToken);
        }

        var settings = SettingsResolver.Resolve(request.Flags, PeerMeshConfig.ReadGlobal(), Dns.GetHostName()) with { Dashboard = request.Dashboard };
        home.Create();
        using var identity = LoadIdentity(home);
        NodeLock nodeLock;
        try
        {
            // Disposed by the using block below, the only way out once it is taken.
#pragma warning disable CA2000
            nodeLock = NodeLock.Acquire(home.Directory, new NodeLockInfo(identity.Id, settings.Name, Environment.ProcessId));
#pragma warning restore CA2000
        }
        catch (CliException)
        {
            // Another `up` of this home started the node a moment ago: ask it, as if it had been running.
            if (await WaitForRunningAsync(home, cancellationToken))
            {
                return await AddToRunningAsync(request, given, output, cancellationToken);
            }

            throw;
        }

        using (nodeLock)
        {
            SettingsFile.Write(home, settings);
            return await RunNodeAsync(home, settings, identity, new InitialRepos(saved, given), request.Level, signals, cancellationToken);
        }
    }

    /// <summary>The node's key from its home (made on first use); a damaged or unreadable key is one line, exit 1.</summary>
    private static NodeIdentity LoadIdentity(NodeHome home)
    {
        try
        {
            return NodeIdentity.LoadOrCreate(home.Directory);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new CliException(MessageText.Inline(e.Message), ExitCodes.Failure);
        }
    }

    /// <summary>The repository to add: PATH (exit 2 if unusable), else the one the current folder is in, else none.</summary>
    private static LocalRepository? Given(string? path) =>
        path is not null ? NodeRepository.OpenForServing(path)
        : NodeRepository.IsInsideRepository(".") ? NodeRepository.OpenForServing(".")
        : null;

    private static async Task<int> AddToRunningAsync(UpRequest request, LocalRepository? given, TextWriter output, CancellationToken cancellationToken)
    {
        if (SettingsFile.Conflict(request.Home, request.Flags, request.Dashboard, request.WebGiven) is var (flag, running))
        {
            throw new CliException($"the node of {request.Home} runs with another {flag} ({running}); stop it with 'peermesh down --all' to change it", ExitCodes.Usage);
        }

        var response = given is null
            ? await NodeClient.SendAsync(request.Home, "status", cancellationToken)
            : await NodeClient.SendAsync(request.Home, "add", cancellationToken, given.WorkingDirectory);
        if (given is null)
        {
            await output.WriteLineAsync("the node is running already");
            await PrintStatusReposAsync(response, output);
            return ExitCodes.Ok;
        }

        var added = (bool?)response.Body?["added"] ?? false;
        await output.WriteLineAsync(added ? $"added {given.WorkingDirectory} to the running node" : $"{given.WorkingDirectory} is served already");
        await PrintServedAsync(response, output);
        return ExitCodes.Ok;
    }

    /// <summary>The lines <c>up</c> and <c>down</c> print: what the node serves now.</summary>
    public static Task PrintServedAsync(ControlResponse response, TextWriter output) => PrintReposAsync(response, "path", output);

    /// <summary>The same lines from a status document (every served repository).</summary>
    private static Task PrintStatusReposAsync(ControlResponse status, TextWriter output) => PrintReposAsync(status, "localPath", output);

    /// <summary>"the node serves 2 repositories:", then each one's work tree and URL.</summary>
    private static async Task PrintReposAsync(ControlResponse response, string pathKey, TextWriter output)
    {
        var repos = response.Body?["repos"]?.AsArray() ?? [];
        await output.WriteLineAsync($"the node serves {Plural.Count(repos.Count, "repository", "repositories")}:");
        foreach (var repo in repos)
        {
            await output.WriteLineAsync($"  {(string?)repo?[pathKey]}  {(string?)repo?["url"]}");
        }
    }

    /// <summary>A node of this home that is still starting answers within the deadline.</summary>
    private static async Task<bool> WaitForRunningAsync(NodeHome home, CancellationToken cancellationToken)
    {
        var start = TimeProvider.System.GetTimestamp();
        while (TimeProvider.System.GetElapsedTime(start) < TimeSpan.FromSeconds(10))
        {
            if (await NodeClient.IsRunningAsync(home, cancellationToken))
            {
                return true;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System, cancellationToken);
        }

        return false;
    }

    /// <summary>
    /// <c>up --detach</c>: the same <c>up</c> again, without <c>--detach</c>, in a session of its own (the terminal's
    /// Ctrl-C does not reach it) with its output appended to <c>HOME/node.log</c>; returns once it answers with the
    /// repository served, or with its error if it stops first.
    /// </summary>
    private static async Task<int> DetachAsync(UpRequest request, LocalRepository? given, TextWriter output, CancellationToken cancellationToken)
    {
        var home = request.Home;
        home.Create();
        var logStart = File.Exists(home.LogFile) ? new FileInfo(home.LogFile).Length : 0;
        var self = Environment.ProcessPath ?? throw new CliException("cannot find the peermesh executable to start in the background", ExitCodes.Failure);
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        foreach (var arg in (IEnumerable<string>)["-c", "exec setsid \"$@\" </dev/null >>\"$PEERMESH_LOG\" 2>&1", "peermesh-detach", self])
        {
            info.ArgumentList.Add(arg);
        }

        // Run as `dotnet peermesh.dll`: the host needs the assembly.
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            info.ArgumentList.Add(typeof(UpCommand).Assembly.Location);
        }

        foreach (var arg in request.Arguments.Where(a => a != "--detach" && a != "-d"))
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment[NodeHome.EnvironmentVariable] = home.Directory;
        info.Environment["PEERMESH_LOG"] = home.LogFile;
        using var process = Process.Start(info) ?? throw new CliException("cannot start the node in the background", ExitCodes.Failure);
        var start = TimeProvider.System.GetTimestamp();
        while (TimeProvider.System.GetElapsedTime(start) < s_startDeadline)
        {
            if (process.HasExited)
            {
                throw new CliException($"the node stopped while starting (exit {process.ExitCode}): {LastLine(home.LogFile, logStart)}", process.ExitCode == 0 ? ExitCodes.Failure : process.ExitCode);
            }

            ControlResponse? status = null;
            try
            {
                status = await NodeClient.SendAsync(home, "status", cancellationToken, null, given?.WorkingDirectory);
            }
            catch (CliException e) when (e.ExitCode is ExitCodes.NoNode or ExitCodes.Usage)
            {
                // Not listening yet, or not serving the repository yet.
            }

            if (status is not null)
            {
                await output.WriteLineAsync($"node started in the background (pid {process.Id}); its log: {home.LogFile}");
                await PrintStatusReposAsync(await NodeClient.SendAsync(home, "status", cancellationToken), output);

                return ExitCodes.Ok;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System, cancellationToken);
        }

        throw new CliException($"the node did not answer within {s_startDeadline.TotalSeconds} s; see {home.LogFile}", ExitCodes.Failure);
    }

    private static string LastLine(string logFile, long from)
    {
        try
        {
            using var stream = new FileStream(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.Seek(Math.Min(from, stream.Length), SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            var lines = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return lines.Length == 0 ? "nothing logged" : lines[^1].Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "no log";
        }
    }

    /// <summary>
    /// The node in this process until a stop is asked for: its parts started by <see cref="NodeService"/>, then, on a
    /// stop (a signal, <c>down</c>, the last repository removed, or <paramref name="cancellationToken"/>), stopped in
    /// reverse order, with <see cref="s_stopDeadline"/> for the parts that wait on others. Composed by hand: the Generic
    /// Host and its console logging were a dozen assemblies in every node for what these lines do.
    /// </summary>
    private static async Task<int> RunNodeAsync(NodeHome home, NodeSettings settings, NodeIdentity identity, InitialRepos initial, LogLevel level, StopSignals signals, CancellationToken cancellationToken)
    {
        GlibcHeap.LimitArenas();
        var time = TimeProvider.System;
        using var loggers = new LineLoggerFactory(level, Console.Error, time);
        using var lifetime = new NodeLifetime();
        using var stopOnSignal = signals.Requested.Register(lifetime.StopApplication);
        using var stopOnCancel = cancellationToken.Register(lifetime.StopApplication);
        var daemon = new GitDaemonSupervisor(
            new GitDaemonOptions { Listen = settings.Listen, Port = settings.GitPort },
            home.Directory,
            time,
            loggers.CreateLogger<GitDaemonSupervisor>());
        var node = new NodeService(home, settings, identity, daemon, initial, lifetime, time, loggers);
        try
        {
            await node.StartAsync(lifetime.Stopping);
        }
        catch (OperationCanceledException) when (lifetime.Stopping.IsCancellationRequested)
        {
            // Stopped while starting: any start step may end this way. What had started is stopped below.
        }
        catch (Exception e)
        {
            await node.StopAsync(CancellationToken.None);
            if (e is DaemonStartException)
            {
                throw new CliException(e.Message, ExitCodes.Failure);
            }

            throw;
        }

        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, time, lifetime.Stopping);
        }
        catch (OperationCanceledException)
        {
            // Asked to stop.
        }

        using var deadline = new CancellationTokenSource(s_stopDeadline, time);
        await node.StopAsync(deadline.Token);
        return signals.Received == PosixSignal.SIGINT ? ExitCodes.Interrupted : ExitCodes.Ok;
    }
}
