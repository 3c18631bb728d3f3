using System.Net;
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

/// <summary><c>peermesh up</c>: the composition root of a node, run in the foreground until stopped.</summary>
internal static class UpCommand
{
    public static async Task<int> RunAsync(string path, CommandLineSettings flags, LogLevel level, IPEndPoint? dashboard, CancellationToken cancellationToken)
    {
        var repo = RepositoryCommand.Open(path);
        var settings = SettingsResolver.Resolve(flags, PeerMeshConfig.Read(repo.GitDirectory), Dns.GetHostName());
        using var identity = NodeIdentity.LoadOrCreate(repo.StateDirectory);
        using var nodeLock = NodeLock.Acquire(repo.StateDirectory, new NodeLockInfo(identity.Id, settings.Name, Environment.ProcessId));

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(level);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddConsole(o =>
        {
            o.LogToStandardErrorThreshold = LogLevel.Trace;
            o.FormatterName = LineFormatter.FormatterName;
        });
        builder.Logging.AddConsoleFormatter<LineFormatter, ConsoleFormatterOptions>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
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
        try
        {
            await host.RunAsync(cancellationToken);
        }
        catch (DaemonStartException e)
        {
            throw new CliException(e.Message, ExitCodes.Failure);
        }

        return ExitCodes.Ok;
    }
}
