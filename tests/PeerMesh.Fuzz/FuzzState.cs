namespace PeerMesh.Fuzz;

/// <summary>
/// Where the targets keep what must be the same in every run (node keys), so that the seeds written by
/// `seeds` carry ids and signatures the targets recognise: $PEERMESH_FUZZ_STATE or /tmp/peermesh-fuzz-state.
/// </summary>
internal static class FuzzState
{
    public static string Directory(string name)
    {
        var root = Environment.GetEnvironmentVariable("PEERMESH_FUZZ_STATE") is { Length: > 0 } set
            ? set
            : Path.Combine(Path.GetTempPath(), "peermesh-fuzz-state");
        var path = Path.Combine(root, name);
        System.IO.Directory.CreateDirectory(path);
        return path;
    }
}
