using System.CommandLine;
using Microsoft.Extensions.Logging;
using PeerMesh.Cli.Commands;
using PeerMesh.Cli.Settings;

namespace PeerMesh.Cli;

/// <summary>The <c>peermesh</c> command line: parsing, dispatch, and one-line errors with exit codes.</summary>
internal static class CliApp
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var root = Build(output);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            await error.WriteLineAsync($"peermesh: {parse.Errors[0].Message} (see 'peermesh --help')");
            return ExitCodes.Usage;
        }

        try
        {
            // The host of `up` handles Ctrl-C and SIGTERM itself (it must stop the git daemon first).
            return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false, Output = output, Error = error });
        }
        catch (CliException e)
        {
            await error.WriteLineAsync($"peermesh: {e.Message}");
            return e.ExitCode;
        }
    }

    private static RootCommand Build(TextWriter output)
    {
        var root = new RootCommand("PeerMesh: share git work with the people around you when the central server is down.");
        root.Subcommands.Add(BuildUp());
        root.Subcommands.Add(BuildStatus(output));
        root.Subcommands.Add(BuildDown(output));
        return root;
    }

    private static Argument<string> PathArgument()
    {
        var path = new Argument<string>("path")
        {
            Description = "A folder inside the repository (default: the current folder)",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => ".",
        };
        // An unknown option would otherwise be taken for a path.
        path.Validators.Add(result =>
        {
            if (result.Tokens is [{ Value: ['-', ..] value }])
            {
                result.AddError($"unknown option '{value}'");
            }
        });
        return path;
    }

    private static Command BuildUp()
    {
        var path = PathArgument();
        var name = new Option<string?>("--name") { Description = "Name shown to peers (default: host name; git config peermesh.name)" };
        var listen = new Option<string?>("--listen") { Description = "Address to serve and gossip on (default: all interfaces; peermesh.listen)" };
        var gitPort = new Option<int?>("--git-port") { Description = "git daemon port (default 9418, any free port if taken; 0 = any free; peermesh.gitPort)" };
        var gossipPort = new Option<int?>("--gossip-port") { Description = "Gossip UDP port (default 9419; 0 = any free; peermesh.gossipPort)" };
        var peers = new Option<string[]>("--peer") { Description = "A seed peer HOST:PORT, repeatable (peermesh.peer)", AllowMultipleArgumentsPerToken = false };
        var meshKey = new Option<string?>("--mesh-key-file") { Description = "File holding the mesh key; without it the mesh is open (peermesh.meshKeyFile)" };
        var noMdns = new Option<bool>("--no-mdns") { Description = "Do not use mDNS discovery (peermesh.mdns false)" };
        var fetchInterval = new Option<int?>("--fetch-interval") { Description = "Seconds between backstop fetches (default 60; peermesh.fetchInterval)" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log more detail" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Log warnings and errors only" };
        var up = new Command("up", "Serve this repository and sync with peers, in the foreground until Ctrl-C or 'peermesh down'")
        {
            path, name, listen, gitPort, gossipPort, peers, meshKey, noMdns, fetchInterval, verbose, quiet,
        };
        up.SetAction((parse, ct) =>
        {
            var flags = new CommandLineSettings
            {
                Name = parse.GetValue(name),
                Listen = parse.GetValue(listen),
                GitPort = parse.GetValue(gitPort),
                GossipPort = parse.GetValue(gossipPort),
                Peers = parse.GetValue(peers) ?? [],
                MeshKeyFile = parse.GetValue(meshKey),
                NoMdns = parse.GetValue(noMdns),
                FetchIntervalSeconds = parse.GetValue(fetchInterval),
            };
            var level = parse.GetValue(verbose) ? LogLevel.Debug : parse.GetValue(quiet) ? LogLevel.Warning : LogLevel.Information;
            return UpCommand.RunAsync(parse.GetRequiredValue(path), flags, level, ct);
        });
        return up;
    }

    private static Command BuildStatus(TextWriter output)
    {
        var path = PathArgument();
        var json = new Option<bool>("--json") { Description = "Print the versioned JSON document (the contract for scripts)" };
        var status = new Command("status", "Show the node, what it serves, and its peers") { path, json };
        status.SetAction((parse, ct) => StatusCommand.RunAsync(parse.GetRequiredValue(path), parse.GetValue(json), output, ct));
        return status;
    }

    private static Command BuildDown(TextWriter output)
    {
        var path = PathArgument();
        var down = new Command("down", "Stop the node running in this repository") { path };
        down.SetAction((parse, ct) => DownCommand.RunAsync(parse.GetRequiredValue(path), output, ct));
        return down;
    }
}
