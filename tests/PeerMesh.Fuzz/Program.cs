using System.Security.Cryptography;
using PeerMesh.Fuzz;
using SharpFuzz;

// Usage (see run.sh, which instruments the assemblies and drives afl-fuzz):
//   PeerMesh.Fuzz list
//   PeerMesh.Fuzz seeds DIR            writes DIR/<target>/seed-N for every target
//   PeerMesh.Fuzz NAME                 the AFL++ persistent-mode loop (or one input from stdin without AFL)
//   PeerMesh.Fuzz replay NAME FILE...  runs saved inputs (crashes, the corpus), says which ones fail
var targets = typeof(IFuzzTarget).Assembly.GetTypes()
    .Where(t => typeof(IFuzzTarget).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IFuzzTarget)Activator.CreateInstance(t)!)
    .OrderBy(t => t.Name, StringComparer.Ordinal)
    .ToList();

IFuzzTarget? Find(string name) => targets.FirstOrDefault(t => t.Name == name);

switch (args)
{
    case ["list"]:
        foreach (var t in targets)
        {
            Console.WriteLine($"{t.Name,-14} {t.Description}");
        }

        return 0;

    case ["seeds", var directory]:
        foreach (var t in targets)
        {
            await t.StartAsync();
            var folder = Path.Combine(directory, t.Name);
            Directory.CreateDirectory(folder);
            var n = 0;
            foreach (var seed in t.Seeds())
            {
                t.Run(seed);
                await File.WriteAllBytesAsync(Path.Combine(folder, $"seed-{n++:D3}"), seed);
            }

            Console.WriteLine($"{t.Name}: {n} seeds in {folder}");
        }

        return 0;

    case ["replay", var name, .. var files] when Find(name) is { } target:
        await target.StartAsync();
        var failed = 0;
        foreach (var file in files)
        {
            try
            {
                target.Run(await File.ReadAllBytesAsync(file));
            }
            catch (Exception ex)
            {
                failed++;
                Console.WriteLine($"{file} ({Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(file)))[..12]}): {ex}");
            }
        }

        Console.WriteLine($"{files.Length} inputs, {failed} failed");
        return failed == 0 ? 0 : 1;

    case [var name] when Find(name) is { } target:
        // The instrumented assemblies may only run once SharpFuzz has mapped AFL's shared memory, that is
        // inside the loop; the targets run on fake time and in-memory transports, so they start synchronously.
        Task? starting = null;
        Fuzzer.Run(stream =>
        {
            starting ??= target.StartAsync();
            if (!starting.IsCompletedSuccessfully)
            {
                throw new InvalidOperationException($"target {target.Name} did not start synchronously", starting.Exception);
            }

            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            target.Run(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        });
        return 0;

    default:
        Console.Error.WriteLine("usage: PeerMesh.Fuzz list | seeds DIR | NAME | replay NAME FILE...; NAME is one of:");
        foreach (var t in targets)
        {
            Console.Error.WriteLine($"  {t.Name,-14} {t.Description}");
        }

        return 2;
}
