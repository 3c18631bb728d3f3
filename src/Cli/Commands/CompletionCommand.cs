namespace PeerMesh.Cli.Commands;

/// <summary>
/// <c>peermesh completion bash|zsh</c>: prints a completion script for the shell. The script asks
/// peermesh itself (System.CommandLine's <c>[suggest:POSITION]</c> directive), so it never goes stale.
/// </summary>
internal static class CompletionCommand
{
    public const string Bash = """
        # peermesh completion for bash: eval "$(peermesh completion bash)"
        _peermesh_complete() {
            local IFS=$'\n'
            COMPREPLY=( $(compgen -W "$(peermesh "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null)" -- "${COMP_WORDS[COMP_CWORD]}") )
        }
        complete -o default -F _peermesh_complete peermesh
        """;

    public const string Zsh = """
        # peermesh completion for zsh: eval "$(peermesh completion zsh)"
        _peermesh_complete() {
            local -a candidates
            candidates=("${(@f)$(peermesh "[suggest:${#BUFFER}]" "${BUFFER}" 2>/dev/null)}")
            compadd -a candidates
        }
        compdef _peermesh_complete peermesh
        """;

    public static async Task<int> RunAsync(string shell, TextWriter output)
    {
        await output.WriteLineAsync(shell switch
        {
            "bash" => Bash,
            "zsh" => Zsh,
            _ => throw new CliException($"no completion for '{shell}': use bash or zsh", ExitCodes.Usage),
        });
        return ExitCodes.Ok;
    }
}
