using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using PeerMesh.Mesh.Membership;

namespace PeerMesh.Discovery.Seeds;

/// <summary>
/// Members seen in the previous run, kept in a JSON file (e.g. <c>.git/peermesh/peers.json</c>) and offered
/// to the mesh at the next start (<see cref="DiscoverySource.LastKnown"/>). While running, live members are
/// written when the membership changes (at most every <see cref="SaveInterval"/>) and once more at stop.
/// Peers not live any more are remembered for <see cref="Retention"/>; at most <see cref="MaxPeers"/>, newest first.
/// A missing or corrupt file is an empty list (logged), never a failed start.
/// </summary>
internal sealed partial class LastKnownPeers : IAsyncDisposable
{
    public const int MaxPeers = 64;
    private const long MaxFileBytes = 256 * 1024;

    private readonly string _path;
    private readonly IMembershipView _view;
    private readonly TimeProvider _time;
    private readonly ILogger<LastKnownPeers> _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public LastKnownPeers(string path, IMembershipView view, TimeProvider time, ILogger<LastKnownPeers> logger)
    {
        _path = path;
        _view = view;
        _time = time;
        _logger = logger;
    }

    public TimeSpan SaveInterval { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Reads the file; empty when missing or unreadable.</summary>
    public IReadOnlyList<LastKnownPeer> Load()
    {
        try
        {
            var info = new FileInfo(_path);
            if (!info.Exists)
            {
                return [];
            }

            if (info.Length > MaxFileBytes)
            {
                LogUnreadable(_path, "larger than " + MaxFileBytes + " bytes");
                return [];
            }

            var file = JsonSerializer.Deserialize(File.ReadAllBytes(_path), LastKnownPeersJson.Default.LastKnownPeersFile);
            if (file is null || file.Version != LastKnownPeersFile.CurrentVersion || file.Peers is null)
            {
                LogUnreadable(_path, "unknown format");
                return [];
            }

            return [.. file.Peers.Where(IsUsable).OrderByDescending(p => p.LastSeen).Take(MaxPeers)];
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            LogUnreadable(_path, ex.Message);
            return [];
        }
    }

    /// <summary>Offers every remembered peer to the mesh.</summary>
    public int OfferAll(IJoinCandidateSink sink)
    {
        var peers = Load();
        foreach (var peer in peers)
        {
            sink.OfferCandidate(new IPEndPoint(IPAddress.Parse(peer.Address), peer.Port), DiscoverySource.LastKnown, peer.Id);
        }

        return peers.Count;
    }

    /// <summary>Merges the live members of <paramref name="snapshot"/> into the file (atomic replace).</summary>
    public void Save(MembershipSnapshot snapshot)
    {
        var now = _time.GetUtcNow();
        var byId = new Dictionary<string, LastKnownPeer>(StringComparer.Ordinal);
        foreach (var old in Load())
        {
            if (now - old.LastSeen <= Retention)
            {
                byId[old.Id] = old;
            }
        }

        foreach (var member in snapshot.Members)
        {
            if (member.IsLive)
            {
                byId[member.Id] = new LastKnownPeer(member.Id, member.GossipEndPoint.Address.ToString(), member.GossipEndPoint.Port, now);
            }
        }

        var file = new LastKnownPeersFile(LastKnownPeersFile.CurrentVersion, [.. byId.Values.OrderByDescending(p => p.LastSeen).Take(MaxPeers)]);
        try
        {
            // Only the file's own folder is made: a repository moved away or deleted (case 35) must not get its old
            // place back as a stray folder holding nothing but this file; the write fails and is logged instead.
            var directory = Path.GetDirectoryName(Path.GetFullPath(_path));
            if (directory is not null && Directory.Exists(Path.GetDirectoryName(directory)))
            {
                Directory.CreateDirectory(directory);
            }

            var tmp = _path + ".tmp";
            File.WriteAllBytes(tmp, JsonSerializer.SerializeToUtf8Bytes(file, LastKnownPeersJson.Default.LastKnownPeersFile));
            File.Move(tmp, _path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogSaveFailed(_path, ex.Message);
        }
    }

    /// <summary>Starts saving on membership changes.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_loop is not null)
        {
            throw new InvalidOperationException("already started");
        }

        _loop = RunAsync(_stop.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken);
            Save(_view.Current);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _stop.Dispose();
    }

    private static bool IsUsable(LastKnownPeer peer) =>
        peer is not null
        && peer.Id is { Length: > 0 and <= 64 }
        && IPAddress.TryParse(peer.Address, out var address)
        && !address.Equals(IPAddress.Any) && !address.Equals(IPAddress.IPv6Any)
        && peer.Port is > 0 and <= 65535;

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var saved = new HashSet<string>(StringComparer.Ordinal);
        var version = -1L;
        try
        {
            while (true)
            {
                var snapshot = await _view.WaitForChangeAsync(version, cancellationToken);
                version = snapshot.Version;
                var live = snapshot.Members.Where(m => m.IsLive).Select(m => m.Id + "@" + m.GossipEndPoint).ToHashSet(StringComparer.Ordinal);
                if (!live.SetEquals(saved) && live.Count > 0)
                {
                    Save(snapshot);
                    saved = live;

                    // Debounce: a busy mesh does not rewrite the file at every change.
                    await Task.Delay(SaveInterval, _time, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "last-known peers file {Path} ignored: {Reason}")]
    private partial void LogUnreadable(string path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cannot write last-known peers file {Path}: {Reason}")]
    private partial void LogSaveFailed(string path, string reason);
}
