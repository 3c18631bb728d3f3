using System.Diagnostics;
using PeerMesh.Cli;

// For the tests that keep the client commands and the node light: the assemblies this run loaded, one name a line,
// and why each was loaded (its stack, without file and line: reading those loads the symbol reader, one of the
// assemblies a node must not need), so a failing test can say what pulled one in.
var loadedFile = Environment.GetEnvironmentVariable("PEERMESH_LOADED_ASSEMBLIES_FILE");
Dictionary<string, string>? loadStacks = null;
if (loadedFile is { Length: > 0 })
{
    var stacks = loadStacks = new Dictionary<string, string>(StringComparer.Ordinal);
    AppDomain.CurrentDomain.AssemblyLoad += (_, e) =>
    {
        var trace = new StackTrace(fNeedFileInfo: false).ToString();
        lock (stacks)
        {
            stacks.TryAdd(e.LoadedAssembly.GetName().Name ?? "?", trace);
        }
    };
}

var code = await CliApp.RunAsync(args, Console.Out, Console.Error);

if (loadStacks is not null)
{
    await File.WriteAllLinesAsync(loadedFile!, AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name ?? "?").Order(StringComparer.Ordinal));
    string[] lines;
    lock (loadStacks)
    {
        lines = [.. loadStacks.Select(p => $"=== {p.Key}\n{p.Value}")];
    }

    await File.WriteAllLinesAsync(loadedFile + ".stacks", lines);
}

return code;
