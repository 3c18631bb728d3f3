using PeerMesh.Cli;

var code = await CliApp.RunAsync(args, Console.Out, Console.Error);

// For the tests that keep the client commands light: the assemblies this run loaded, one name a line.
if (Environment.GetEnvironmentVariable("PEERMESH_LOADED_ASSEMBLIES_FILE") is { Length: > 0 } loadedFile)
{
    await File.WriteAllLinesAsync(loadedFile, AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name ?? "?").Order(StringComparer.Ordinal));
}

return code;
