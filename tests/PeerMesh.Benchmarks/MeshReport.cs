using System.Globalization;
using PeerMesh.TestSupport;
using PeerMesh.TestSupport.Netns;

namespace PeerMesh.Benchmarks;

/// <summary>
/// Issue 6's report: real peermesh nodes on hosts in network namespaces, per loss rate: time until every node lists
/// every other (mDNS only), commit propagation p50/p99 (commit on one host until a remote-tracking ref on each other
/// host points at it), time until a kill -9 is noticed (not alive) and declared (dead), and time to converge after a
/// 2 + rest partition heals. Needs root and the integrated executable; without them it fails and prints no figures.
/// Usage: netns-report [--hosts N] [--rounds R] [--loss 0,10,25] [--deadline SECONDS per phase]
/// [--command "ARGV PREFIX"] (another peermesh, e.g. a stub to test this report; default `dotnet peermesh.dll`).
/// </summary>
internal sealed class MeshReport : IBenchmark
{
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(50);

    private TimeSpan _phaseDeadline = TimeSpan.FromSeconds(120);
    private IReadOnlyList<string>? _command;

    public string Name => "netns-report";

    public string Description => "mesh in netns: discovery, propagation p50/p99, crash detection, heal (needs root + integrated peermesh)";

    public async Task RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken)
    {
        var hosts = int.Parse(Option(args, "--hosts", "5"), CultureInfo.InvariantCulture);
        var rounds = int.Parse(Option(args, "--rounds", "10"), CultureInfo.InvariantCulture);
        var losses = Option(args, "--loss", "0,10,25").Split(',').Select(l => double.Parse(l, CultureInfo.InvariantCulture)).ToList();
        _phaseDeadline = TimeSpan.FromSeconds(double.Parse(Option(args, "--deadline", "120"), CultureInfo.InvariantCulture));
        var command = Option(args, "--command", string.Empty);
        _command = command.Length == 0 ? null : command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (hosts < 3)
        {
            throw new ArgumentException("--hosts must be at least 3 (a 2 + rest partition and a crash need them).");
        }

        var skip = await NetnsTestBed.GetSkipReasonAsync(cancellationToken);
        if (skip is not null)
        {
            throw new InvalidOperationException($"netns-report cannot run here: {skip}. No figures were produced.");
        }

        var unsupported = _command is null
            ? await PeerMeshExecutable.GetUnsupportedReasonAsync(cancellationToken)
            : await PeerMeshExecutable.GetUnsupportedReasonAsync(_command, cancellationToken);
        if (unsupported is not null)
        {
            throw new InvalidOperationException($"netns-report needs the integrated peermesh: {unsupported}. No figures were produced.");
        }

        var rows = new List<MeshReportRow>();
        foreach (var loss in losses)
        {
            await output.WriteLineAsync($"measuring at {loss}% loss, {hosts} hosts, {rounds} propagation rounds...");
            rows.Add(await MeasureAsync(loss, hosts, rounds, cancellationToken));
        }

        await output.WriteLineAsync();
        await output.WriteLineAsync(
            $"Mesh in network namespaces ({hosts} hosts on one bridge, mDNS only; loss on what every host sends, so each packet meets it once; one run per row)");
        await output.WriteLineAsync();
        await output.WriteLineAsync("| loss | discover (all see all) | propagation p50 | propagation p99 | crash: not alive | crash: dead | converge after heal | false deaths | note |");
        await output.WriteLineAsync("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var row in rows)
        {
            var sorted = row.Propagation.Order().ToList();
            var p50 = sorted.Count == 0 ? "-" : Format(Percentile(sorted, 50));
            var p99 = sorted.Count == 0 ? "-" : Format(Percentile(sorted, 99));
            var missed = row.PropagationMissed > 0 ? $" ({row.PropagationMissed} missed)" : string.Empty;
            await output.WriteLineAsync(
                $"| {row.LossPercent}% | {Format(row.Discover)} | {p50} | {p99}{missed} | {Format(row.CrashNotAlive)} | {Format(row.CrashDead)} | {Format(row.HealConverge)} | {row.FalseDeaths} | {row.Note} |");
        }

        await output.WriteLineAsync();
        await output.WriteLineAsync(
            $"Times from the moment of the event (all nodes answering status / commit made / kill -9 / heal); polled every {s_poll.TotalMilliseconds} ms; "
            + $"'>{_phaseDeadline.TotalSeconds}s' = not reached. False deaths: peers reported dead while no node had been killed.");
    }

    private async Task<MeshReportRow> MeasureAsync(double loss, int hosts, int rounds, CancellationToken cancellationToken)
    {
        await using var mesh = await NetnsMesh.CreateAsync(hosts, _command, cancellationToken);
        if (loss > 0)
        {
            foreach (var host in mesh.Bed.Hosts)
            {
                await mesh.Bed.NetemAsync(host, loss, TimeSpan.Zero, cancellationToken);
            }
        }

        var notes = new List<string>();
        var falseDeaths = new HashSet<string>();
        await mesh.StartAllAsync(cancellationToken);

        var discover = await TimeAsync(
            async c => await CountDeathsAsync(mesh, falseDeaths, c) && await mesh.AllAliveAsync(c), notes, "discovery", cancellationToken);
        if (discover is null)
        {
            return new MeshReportRow(loss, hosts, null, [], 0, null, null, null, falseDeaths.Count, string.Join("; ", notes));
        }

        var (propagation, missed) = await MeasurePropagationAsync(mesh, rounds, falseDeaths, cancellationToken);

        // Crash: the last node is killed; the others must notice.
        var victim = mesh.Nodes[^1];
        var survivors = mesh.Nodes.Take(hosts - 1).ToList();
        await victim.KillAsync(cancellationToken);
        var start = TimeProvider.System.GetTimestamp();
        var notAlive = await TimeAsync(
            c => NetnsMesh.AllSeeEachOtherAsync(survivors, [victim], p => !p.IsAlive, c), notes, "crash detection", cancellationToken);
        var dead = notAlive is null
            ? null
            : await TimeAsync(c => NetnsMesh.AllSeeEachOtherAsync(survivors, [victim], p => p.State == "dead", c), notes, "crash declared dead", cancellationToken);
        if (dead is not null)
        {
            dead = TimeProvider.System.GetElapsedTime(start);
        }

        await victim.RestartAsync(NetnsMesh.ReadyTimeout, cancellationToken);
        if (await TimeAsync(mesh.AllAliveAsync, notes, "rejoin after crash", cancellationToken) is null)
        {
            return new MeshReportRow(loss, hosts, discover, propagation, missed, notAlive, dead, null, falseDeaths.Count, string.Join("; ", notes));
        }

        var heal = await MeasureHealAsync(mesh, notes, cancellationToken);
        return new MeshReportRow(loss, hosts, discover, propagation, missed, notAlive, dead, heal, falseDeaths.Count, string.Join("; ", notes));
    }

    private async Task<(List<TimeSpan> Samples, int Missed)> MeasurePropagationAsync(
        NetnsMesh mesh, int rounds, HashSet<string> falseDeaths, CancellationToken cancellationToken)
    {
        var samples = new List<TimeSpan>();
        var missed = 0;
        for (var round = 0; round < rounds; round++)
        {
            var author = mesh.Nodes[round % mesh.Nodes.Count];
            var commit = await author.CommitAsync($"round-{round}", cancellationToken);
            var start = TimeProvider.System.GetTimestamp();
            var pending = mesh.Nodes.Where(n => n != author).ToList();
            await Poll.TryUntilAsync(
                async c =>
                {
                    foreach (var receiver in pending.ToList())
                    {
                        if (await receiver.HasRemoteRefAtAsync(commit, c))
                        {
                            samples.Add(TimeProvider.System.GetElapsedTime(start));
                            pending.Remove(receiver);
                        }
                    }

                    return pending.Count == 0;
                },
                _phaseDeadline,
                cancellationToken,
                s_poll);

            missed += pending.Count;
            await CountDeathsAsync(mesh, falseDeaths, cancellationToken);
        }

        return (samples, missed);
    }

    private async Task<TimeSpan?> MeasureHealAsync(NetnsMesh mesh, List<string> notes, CancellationToken cancellationToken)
    {
        var left = mesh.Nodes.Take(2).ToList();
        var right = mesh.Nodes.Skip(2).ToList();
        await mesh.Bed.PartitionAsync(left.Select(n => n.Host).ToList(), right.Select(n => n.Host).ToList(), cancellationToken);
        var leftCommit = await left[0].CommitAsync("partition-left", cancellationToken);
        var rightCommit = await right[0].CommitAsync("partition-right", cancellationToken);

        // Let the partition be noticed (each side stops seeing the other as alive) before healing.
        var split = await TimeAsync(
            async c => await NetnsMesh.AllSeeEachOtherAsync(left, right, p => !p.IsAlive, c)
                && await NetnsMesh.AllSeeEachOtherAsync(right, left, p => !p.IsAlive, c)
                && await NetnsMesh.ArrivedAsync(left.Skip(1), [leftCommit], c)
                && await NetnsMesh.ArrivedAsync(right.Skip(1), [rightCommit], c),
            notes,
            "partition noticed",
            cancellationToken);
        await mesh.Bed.HealAsync(cancellationToken);
        if (split is null)
        {
            return null;
        }

        return await TimeAsync(
            async c => await mesh.AllAliveAsync(c)
                && await NetnsMesh.ArrivedAsync(right, [leftCommit], c)
                && await NetnsMesh.ArrivedAsync(left, [rightCommit], c),
            notes,
            "convergence after heal",
            cancellationToken);
    }

    private async Task<TimeSpan?> TimeAsync(
        Func<CancellationToken, Task<bool>> condition, List<string> notes, string phase, CancellationToken cancellationToken)
    {
        var took = await Poll.TryUntilAsync(condition, _phaseDeadline, cancellationToken, s_poll);
        if (took is null)
        {
            notes.Add($"{phase} not reached");
        }

        return took;
    }

    private static async Task<bool> CountDeathsAsync(NetnsMesh mesh, HashSet<string> falseDeaths, CancellationToken cancellationToken)
    {
        foreach (var node in mesh.Nodes)
        {
            var (status, _) = await node.TryStatusAsync(cancellationToken);
            foreach (var peer in status?.Peers ?? [])
            {
                if (peer.State == "dead")
                {
                    falseDeaths.Add($"{node.Id}->{peer.Id}");
                }
            }
        }

        return true;
    }

    private static TimeSpan Percentile(List<TimeSpan> sorted, int percent)
    {
        // Nearest rank.
        var rank = (int)Math.Ceiling(percent / 100.0 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    private string Format(TimeSpan? value) =>
        value is null ? $">{_phaseDeadline.TotalSeconds}s" : $"{value.Value.TotalSeconds:0.00} s";

    private static string Option(string[] args, string name, string fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
    }
}
