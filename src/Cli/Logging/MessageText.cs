namespace PeerMesh.Cli.Logging;

/// <summary>Text from elsewhere (the OS, the runtime) fitted into our lower-case one-line messages.</summary>
internal static class MessageText
{
    /// <summary>
    /// "Address already in use." becomes "address already in use", to follow a colon mid-line; a leading acronym
    /// ("DNS ...") or a lone capital ("I/O ...") is kept.
    /// </summary>
    public static string Inline(string message)
    {
        var text = message.ReplaceLineEndings(" ").Trim().TrimEnd('.');
        return text.Length >= 2 && char.IsUpper(text[0]) && char.IsLower(text[1])
            ? char.ToLowerInvariant(text[0]) + text[1..]
            : text;
    }
}
