using System.CommandLine;
using System.CommandLine.Parsing;
using Microsoft.Extensions.Logging;
using PeerMesh.Cli.Commands;
using PeerMesh.Cli.Logging;
using PeerMesh.Cli.Web;

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

    private static RootCommand Build(TextWriter output)
    {
        var root = new RootCommand("PeerMesh: share git work with the people around you when the central server is down.");
        root.Subcommands.Add(BuildUp());
        root.Subcommands.Add(BuildStatus(output));
        root.Subcommands.Add(BuildDown(output));
        root.Subcommands.Add(BuildDoctor(output));
        root.Subcommands.Add(BuildFetch(output));
        root.Subcommands.Add(BuildForget(output));
        root.Subcommands.Add(BuildCompletion(output));
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
        var node = new NodeOptions();
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log more detail" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Log warnings and errors only" };
        var web = new Option<string?>("--web")
        {
            Description = "Serve a live dashboard at ADDR:PORT (default 127.0.0.1:9420; only loopback unless another address is given)",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var up = new Command("up", "Serve this repository and sync with peers, in the foreground until Ctrl-C or 'peermesh down'.\nExamples:\n  peermesh up\n  peermesh up --name alice --peer 10.0.0.5:9419\n  peermesh up --mesh-key-file ~/.config/peermesh/team.key --web") { path, verbose, quiet, web };
        node.AddTo(up);
        up.SetAction((parse, ct) =>
        {
            var level = parse.GetValue(verbose) ? LogLevel.Debug : parse.GetValue(quiet) ? LogLevel.Warning : LogLevel.Information;
            var dashboard = parse.GetResult(web) is null ? null : WebDashboard.ParseEndPoint(parse.GetValue(web));
            return UpCommand.RunAsync(parse.GetRequiredValue(path), node.Read(parse), level, dashboard, ct);
        });
        return up;
    }

    private static Command BuildDoctor(TextWriter output)
    {
        var path = PathArgument();
        var node = new NodeOptions();
        var doctor = new Command("doctor", "Check what commonly breaks a LAN mesh on this machine, and say how to fix it.\nExamples:\n  peermesh doctor\n  peermesh doctor --git-port 9418 --gossip-port 9419") { path };
        node.AddTo(doctor);
        doctor.SetAction(parse => DoctorCommand.RunAsync(parse.GetRequiredValue(path), node.Read(parse), output));
        return doctor;
    }

    private static Command BuildStatus(TextWriter output)
    {
        var path = PathArgument();
        var json = new Option<bool>("--json") { Description = "Print the versioned JSON document (the contract for scripts)" };
        var watch = new Option<bool>("--watch", "-w") { Description = "Redraw every second until Ctrl-C" };
        var status = new Command("status", "Show the node, its peers, and who has what you don't.\nExamples:\n  peermesh status\n  peermesh status --watch\n  peermesh status --json | jq '.peers[] | {name, state}'") { path, json, watch };
        status.SetAction((parse, ct) => StatusCommand.RunAsync(parse.GetRequiredValue(path), parse.GetValue(json), parse.GetValue(watch), output, ct));
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
        fetch.SetAction((parse, ct) => FetchCommand.RunAsync(parse.GetRequiredValue(repo), parse.GetValue(remote), output, ct));
        return fetch;
    }

    private static Command BuildForget(TextWriter output)
    {
        var remote = new Argument<string>("name") { Description = "The managed remote to remove, with its refs/remotes/NAME/*" };
        var repo = RepoOption();
        var forget = new Command("forget", "Remove a remote PeerMesh made for a peer (your own remotes are never touched).\nExample:\n  peermesh forget old-laptop") { remote, repo };
        forget.SetAction((parse, ct) => ForgetCommand.RunAsync(parse.GetRequiredValue(repo), parse.GetRequiredValue(remote), output, ct));
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
        var path = PathArgument();
        var down = new Command("down", "Stop the node running in this repository; returns once it is gone.\nExample:\n  peermesh down") { path };
        down.SetAction((parse, ct) => DownCommand.RunAsync(parse.GetRequiredValue(path), output, ct));
        return down;
    }
}
