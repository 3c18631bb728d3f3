using System.CommandLine;
using System.CommandLine.Parsing;
using Microsoft.Extensions.Logging;
using PeerMesh.Cli.Commands;
using PeerMesh.Cli.Home;
using PeerMesh.Cli.Logging;
using PeerMesh.Cli.Web;

namespace PeerMesh.Cli;

/// <summary>The <c>peermesh</c> command line: parsing, dispatch, and one-line errors with exit codes.</summary>
internal static class CliApp
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var root = Build(args, output);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // A word the parser did not know says more than the "required command" that it then misses.
            var message = parse.UnmatchedTokens is [var unknown, ..] ? $"unrecognized command or argument '{unknown}'" : UsageMessage(parse.Errors[0]);
            await error.WriteLineAsync($"peermesh: {message} (see 'peermesh --help')");
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

    /// <summary>
    /// The parser's error in our words: lower case like every other line, and a number that does not parse named as
    /// such instead of by its C# type (<c>System.Nullable`1[System.Int32]</c>).
    /// </summary>
    private static string UsageMessage(ParseError parseError)
    {
        var option = parseError.SymbolResult as OptionResult ?? (parseError.SymbolResult as ArgumentResult)?.Parent as OptionResult;
        if (option is { Tokens: [{ Value: var value }] }
            && (option.Option.ValueType == typeof(int) || option.Option.ValueType == typeof(int?))
            && !int.TryParse(value, out _))
        {
            return $"invalid {option.Option.Name} '{value}': expected a whole number";
        }

        return MessageText.Inline(string.Join(' ', parseError.Message.Split(['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
    }

    /// <summary>The node's home, on every command: one home is one node (default: PEERMESH_HOME, else XDG_STATE_HOME/peermesh, else ~/.local/state/peermesh).</summary>
    private static readonly Option<string?> s_home = new("--home")
    {
        Description = "The node's home folder: its key, ports, log and the list of repositories it serves (default: $PEERMESH_HOME, else $XDG_STATE_HOME/peermesh, else ~/.local/state/peermesh)",
        Recursive = true,
    };

    private static RootCommand Build(string[] args, TextWriter output)
    {
        var root = new RootCommand("PeerMesh: share git work with the people around you when the central server is down. One node per person serves all of their repositories.");
        root.Options.Add(s_home);
        (string Name, Func<Command> Build)[] commands =
        [
            ("up", () => BuildUp(args, output)),
            ("status", () => BuildStatus(output)),
            ("down", () => BuildDown(output)),
            ("log", () => BuildLog(output)),
            ("doctor", () => BuildDoctor(output)),
            ("fetch", () => BuildFetch(output)),
            ("forget", () => BuildForget(output)),
            ("completion", () => BuildCompletion(output)),
        ];

        // Only the command the first word names, when it names one (its help and errors read the same): building every
        // command's options is work a quick `status` does not need. Anything else (help, completion, a typo) gets all.
        var named = commands.Where(c => args is [var first, ..] && c.Name == first).ToList();
        foreach (var (_, build) in named.Count == 1 ? named : [.. commands])
        {
            root.Subcommands.Add(build());
        }

        return root;
    }

    private static NodeHome Home(ParseResult parse) => NodeHome.Resolve(parse.GetValue(s_home));

    /// <summary>An optional PATH; null when not given (each command says what that means).</summary>
    private static Argument<string?> OptionalPathArgument(string description)
    {
        var path = new Argument<string?>("path") { Description = description, Arity = ArgumentArity.ZeroOrOne };
        RejectOptions(path);
        return path;
    }

    private static void RejectOptions(Argument path)
    {
        // An unknown option would otherwise be taken for a path.
        path.Validators.Add(result =>
        {
            if (result.Tokens is [{ Value: ['-', ..] value }])
            {
                result.AddError($"unknown option '{value}'");
            }
        });
    }

    private static Argument<string> PathArgument()
    {
        var path = new Argument<string>("path")
        {
            Description = "A folder inside the repository (default: the current folder)",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => ".",
        };
        RejectOptions(path);
        return path;
    }

    private static Command BuildUp(string[] args, TextWriter output)
    {
        var path = OptionalPathArgument("The repository to serve (default: the one the current folder is in; outside any, what the node served before)");
        var detach = new Option<bool>("--detach", "-d") { Description = "Start the node in the background and return once it serves; it logs to HOME/node.log ('peermesh log')" };
        var node = new NodeOptions();
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log more detail" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Log warnings and errors only" };
        var web = new Option<string?>("--web")
        {
            Description = "Serve a live dashboard at ADDR:PORT (default 127.0.0.1:9420; only loopback unless another address is given)",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var up = new Command("up", "Serve this repository and sync it with peers. Starts the node if none runs for the home (in the foreground until Ctrl-C or 'peermesh down --all', or with --detach in the background); with a node running, adds the repository to it and returns.\nExamples:\n  peermesh up\n  peermesh up ~/src/shop --detach\n  peermesh up --name alice --peer 10.0.0.5:9419\n  peermesh up --mesh-key-file ~/.config/peermesh/team.key --web") { path, detach, verbose, quiet, web };
        node.AddTo(up);
        up.SetAction((parse, ct) =>
        {
            var level = parse.GetValue(verbose) ? LogLevel.Debug : parse.GetValue(quiet) ? LogLevel.Warning : LogLevel.Information;
            var dashboard = parse.GetResult(web) is null ? null : WebDashboard.ParseEndPoint(parse.GetValue(web));
            var request = new UpRequest(Home(parse), parse.GetValue(path), node.Read(parse), level, dashboard, parse.GetResult(web) is not null, parse.GetValue(detach), args);
            return UpCommand.RunAsync(request, output, ct);
        });
        return up;
    }

    private static Command BuildDoctor(TextWriter output)
    {
        var path = PathArgument();
        var node = new NodeOptions();
        var doctor = new Command("doctor", "Check what commonly breaks a LAN mesh on this machine, and say how to fix it.\nExamples:\n  peermesh doctor\n  peermesh doctor --git-port 9418 --gossip-port 9419") { path };
        node.AddTo(doctor);
        doctor.SetAction(parse => DoctorCommand.RunAsync(parse.GetRequiredValue(path), node.Read(parse), Home(parse), output));
        return doctor;
    }

    private static Command BuildStatus(TextWriter output)
    {
        var path = OptionalPathArgument("A served repository to show (default: the one the current folder is in if served, else all)");
        var all = new Option<bool>("--all", "-a") { Description = "Show every repository the node serves" };
        var json = new Option<bool>("--json") { Description = "Print the versioned JSON document (the contract for scripts)" };
        var watch = new Option<bool>("--watch", "-w") { Description = "Redraw every second until Ctrl-C" };
        var status = new Command("status", "Show the node, its peers, and who has what you don't.\nExamples:\n  peermesh status\n  peermesh status --all\n  peermesh status --watch\n  peermesh status --json | jq '.peers[] | {name, state}'") { path, all, json, watch };
        status.SetAction((parse, ct) => StatusCommand.RunAsync(Home(parse), parse.GetValue(path), parse.GetValue(all), parse.GetValue(json), parse.GetValue(watch), output, ct));
        return status;
    }

    private static Option<string> RepoOption() => new("--repo", "-C")
    {
        Description = "A folder inside the repository (default: the current folder)",
        DefaultValueFactory = _ => ".",
    };

    private static Command BuildFetch(TextWriter output)
    {
        var remote = new Argument<string?>("name") { Description = "The managed remote to fetch (default: all)", Arity = ArgumentArity.ZeroOrOne };
        var repo = RepoOption();
        var fetch = new Command("fetch", "Fetch from peers now instead of waiting for a change or the backstop.\nExamples:\n  peermesh fetch\n  peermesh fetch bob") { remote, repo };
        fetch.SetAction((parse, ct) => FetchCommand.RunAsync(Home(parse), parse.GetRequiredValue(repo), parse.GetValue(remote), output, ct));
        return fetch;
    }

    private static Command BuildForget(TextWriter output)
    {
        var remote = new Argument<string>("name") { Description = "The managed remote to remove, with its refs/remotes/NAME/*" };
        var repo = RepoOption();
        var forget = new Command("forget", "Remove a remote PeerMesh made for a peer (your own remotes are never touched).\nExample:\n  peermesh forget old-laptop") { remote, repo };
        forget.SetAction((parse, ct) => ForgetCommand.RunAsync(Home(parse), parse.GetRequiredValue(repo), parse.GetRequiredValue(remote), output, ct));
        return forget;
    }

    private static Command BuildCompletion(TextWriter output)
    {
        var shell = new Argument<string>("shell") { Description = "bash or zsh" };
        shell.AcceptOnlyFromAmong("bash", "zsh");
        var completion = new Command("completion", "Print a shell completion script.\nExample: eval \"$(peermesh completion bash)\"") { shell };
        completion.SetAction(parse => CompletionCommand.RunAsync(parse.GetRequiredValue(shell), output));
        return completion;
    }

    private static Command BuildDown(TextWriter output)
    {
        var path = OptionalPathArgument("The repository to stop serving (default: the one the current folder is in)");
        var all = new Option<bool>("--all", "-a") { Description = "Stop the node; a later 'peermesh up' serves the same repositories again" };
        var down = new Command("down", "Stop serving this repository (its peers' remotes and fetched refs stay); the node stops with its last one. Returns once done.\nExamples:\n  peermesh down\n  peermesh down ~/src/shop\n  peermesh down --all") { path, all };
        down.SetAction((parse, ct) => DownCommand.RunAsync(Home(parse), parse.GetValue(path), parse.GetValue(all), output, ct));
        return down;
    }

    private static Command BuildLog(TextWriter output)
    {
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new lines until Ctrl-C" };
        var log = new Command("log", "Print the log of the node started with 'peermesh up --detach'.\nExamples:\n  peermesh log\n  peermesh log -f") { follow };
        log.SetAction((parse, ct) => LogCommand.RunAsync(Home(parse), parse.GetValue(follow), output, ct));
        return log;
    }
}
