namespace PeerMesh.Cli.Home;

/// <summary>Writes a small file whole or not at all: a temp file beside it, then a rename (readers never see half).</summary>
internal static class AtomicFile
{
    public static void Write(string path, string text)
    {
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        try
        {
            File.WriteAllText(temporary, text);
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
