using System.Net;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using PeerMesh.Cli.Logging;
using PeerMesh.Cli.Node;
using PeerMesh.Cli.Settings;
using PeerMesh.Mesh.Identity;
using PeerMesh.Sync.LocalRepo;
using PeerMesh.Sync.Serving;

namespace PeerMesh.Cli.Commands;

/// <summary>
/// <c>peermesh up</c>: the composition root of a node, run in the foreground until stopped. A stop may come at any
/// moment, also while the node starts: the host then stops what had started, and <c>up</c> exits 0 (130 for Ctrl-C).
/// </summary>
internal static class UpCommand
{
    public static async Task<int> RunAsync(string path, CommandLineSettings flags, LogLevel level, IPEndPoint? dashboard, CancellationToken cancellationToken)
    {
        using var signals = new StopSignals();
        var repo = RepositoryCommand.Open(path);
        var settings = SettingsResolver.Resolve(flags, PeerMeshConfig.Read(repo.GitDirectory), Dns.GetHostName());
        using var identity = NodeIdentity.LoadOrCreate(repo.StateDirectory);
        using var nodeLock = NodeLock.Acquire(repo.StateDirectory, new NodeLockInfo(identity.Id, settings.Name, Environment.ProcessId));

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(level);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        // A failed or cancelled start is reported by `up` itself (one line and an exit code), not as a host error.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        builder.Logging.AddConsole(o =>
        {
            o.LogToStandardErrorThreshold = LogLevel.Trace;
            o.FormatterName = LineFormatter.FormatterName;
        });
        builder.Logging.AddConsoleFormatter<LineFormatter, ConsoleFormatterOptions>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.Services.AddSingleton(signals);
        builder.Services.AddSingleton<IHostLifetime, SignalLifetime>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(repo);
        builder.Services.AddSingleton(settings with { Dashboard = dashboard });
        builder.Services.AddSingleton(identity);
        builder.Services.AddSingleton(sp => new GitDaemonSupervisor(
            new GitDaemonOptions { Listen = settings.Listen, Port = settings.GitPort },
            repo.GitDirectory,
            repo.StateDirectory,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<GitDaemonSupervisor>>()));
        builder.Services.AddHostedService<NodeService>();

        using var host = builder.Build();
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        using var stopOnCancel = cancellationToken.Register(lifetime.StopApplication);
        try
        {
            await host.StartAsync(CancellationToken.None);
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // Stopped while starting: any start step may end this way. What had started is stopped below.
        }
        catch (Exception e)
        {
            await host.StopAsync(CancellationToken.None);
            if (e is DaemonStartException)
            {
                throw new CliException(e.Message, ExitCodes.Failure);
            }

            throw;
        }

        await host.WaitForShutdownAsync(CancellationToken.None);
        return signals.Received == PosixSignal.SIGINT ? ExitCodes.Interrupted : ExitCodes.Ok;
    }
}
