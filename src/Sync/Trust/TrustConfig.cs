using LibGit2Sharp;
using Microsoft.Extensions.Logging;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;
using PeerMesh.Sync.LocalRepo;

namespace PeerMesh.Sync.Trust;

/// <summary>
/// The trust list as currently configured, re-read on <see cref="Refresh"/> so that <c>git config --add
/// peermesh.trust ID</c> takes effect without a restart. A list that becomes invalid while running is warned about
/// once and the previous list is kept: failing closed would stop fetching everyone over a typo, failing open would
/// fetch nodes the user excluded; keeping the last good list does neither.
/// </summary>
internal sealed partial class TrustConfig
{
    private readonly Func<IReadOnlyList<string>> _read;
    private readonly ILogger _logger;
    private volatile TrustList _current;
    private string? _lastError;

    /// <param name="read">Reads the <c>peermesh.trust</c> values (all config levels, in order).</param>
    /// <param name="logger">Where a list gone invalid is warned about.</param>
    /// <exception cref="FormatException">The list is invalid now, with a one-line message naming the bad value.</exception>
    public TrustConfig(Func<IReadOnlyList<string>> read, ILogger logger)
    {
        _read = read;
        _logger = logger;
        _current = TrustList.Parse(read());
    }

    public TrustList Current => _current;

    /// <summary>The repository's git config (local, global and system levels, as git reads them).</summary>
    public static TrustConfig ForRepository(string gitDir, ILogger logger) =>
        new(() => PeerMeshConfig.Read(gitDir).GetAll("trust"), logger);

    /// <summary>Reads the config again; true when the list changed.</summary>
    public bool Refresh()
    {
        IReadOnlyList<string> values;
        try
        {
            values = _read();
        }
        catch (Exception e) when (e is LibGit2SharpException or IOException or UnauthorizedAccessException)
        {
            // The config is being rewritten by git, or the repository is away: keep the list, look again next time.
            LogReadFailed(_logger, e.Message);
            return false;
        }

        if (!TrustList.TryParse(values, out var list, out var error))
        {
            if (error != _lastError)
            {
                _lastError = error;
                LogInvalid(_logger, error!);
            }

            return false;
        }

        _lastError = null;
        if (list.SetEquals(_current))
        {
            return false;
        }

        _current = list;
        LogChanged(_logger, list.IsPinned ? string.Join(", ", list.NodeIds) : "everyone (no peermesh.trust)");
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Error}; keeping the previous trust list until it is fixed")]
    private static partial void LogInvalid(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "trusted nodes now: {Nodes}")]
    private static partial void LogChanged(ILogger logger, string nodes);

    [LoggerMessage(Level = LogLevel.Debug, Message = "could not read peermesh.trust: {Reason}")]
    private static partial void LogReadFailed(ILogger logger, string reason);
}
