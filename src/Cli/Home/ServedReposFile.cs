using System.Text.Json;
using PeerMesh.Cli.Control;

namespace PeerMesh.Cli.Home;

/// <summary>
/// <c>HOME/served.json</c>: the repositories the node serves, saved at every change so that a node started with no
/// path serves what it served before. Written whole by a rename; names stay as they were given (people and peers'
/// remote URLs use them).
/// </summary>
internal static class ServedReposFile
{
    private const int CurrentVersion = 1;

    public static IReadOnlyList<ServedEntry> Read(NodeHome home)
    {
        string text;
        try
        {
            text = File.ReadAllText(home.ServedFile);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read {home.ServedFile}: {e.Message}", ExitCodes.Failure);
        }

        try
        {
            var document = JsonSerializer.Deserialize<Document>(text, ControlJson.Options);
            if (document is null || document.Version != CurrentVersion || document.Repos is null
                || document.Repos.Any(r => r is null || string.IsNullOrEmpty(r.Name) || string.IsNullOrEmpty(r.Path) || string.IsNullOrEmpty(r.GitDirectory) || r.RepoId is null))
            {
                throw new JsonException("unexpected content");
            }

            return document.Repos;
        }
        catch (JsonException)
        {
            throw new CliException($"{home.ServedFile} is damaged; move it away to start with nothing served", ExitCodes.Failure);
        }
    }

    public static void Write(NodeHome home, IReadOnlyList<ServedEntry> repos) =>
        AtomicFile.Write(home.ServedFile, JsonSerializer.Serialize(new Document(CurrentVersion, repos), ControlJson.Indented) + "\n");

    internal sealed record Document(int Version, IReadOnlyList<ServedEntry>? Repos);
}
