using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using PeerMesh.Mesh.Membership;

namespace PeerMesh.Discovery.Seeds;

/// <summary>
/// Static seeds (<c>--peer HOST:PORT</c>): each is resolved again at every try (DNS may change), offered to the
/// mesh as a join candidate, and retried with exponential backoff until a live member answers at one of its
/// addresses; then it is checked slowly, and retried again if that member goes away. One loop task.
/// </summary>
internal sealed partial class SeedJoiner : IAsyncDisposable
{
    /// <summary>The status error of a seed whose addresses, offered at the previous try, did not become a live member.</summary>
    public const string NoAnswer = "no answer";

    private readonly ImmutableArray<SeedAddress> _seeds;
    private readonly IJoinCandidateSink _sink;
    private readonly IMembershipView _view;
    private readonly TimeProvider _time;
    private readonly ILogger<SeedJoiner> _logger;
    private readonly SeedJoinerOptions _options;
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve;
    private readonly SeedState[] _states;
    private readonly Random _random = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public SeedJoiner(
        IEnumerable<SeedAddress> seeds,
        IJoinCandidateSink sink,
        IMembershipView view,
        TimeProvider time,
        ILogger<SeedJoiner> logger,
        SeedJoinerOptions? options = null,
        Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null)
    {
        _seeds = [.. seeds.Distinct()];
        _sink = sink;
        _view = view;
        _time = time;
        _logger = logger;
        _options = options ?? new SeedJoinerOptions();
        _resolve = resolve ?? System.Net.Dns.GetHostAddressesAsync;
        var now = time.GetUtcNow();
        _states = [.. _seeds.Select(s => new SeedState(s) { NextAttempt = now })];
    }

    public IReadOnlyList<SeedStatus> Status
    {
        get
        {
            lock (_states)
            {
                return [.. _states.Select(s => new SeedStatus(s.Seed.ToString(), s.Joined, s.Attempts, s.LastError ?? (s.Unanswered ? NoAnswer : null), s.NextAttempt))];
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_loop is not null)
        {
            throw new InvalidOperationException("already started");
        }

        _loop = _seeds.IsEmpty ? Task.CompletedTask : RunAsync(_stop.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = _time.GetUtcNow();
            foreach (var state in _states)
            {
                if (state.NextAttempt <= now)
                {
                    await TryAsync(state, cancellationToken).ConfigureAwait(false);
                }
            }

            DateTimeOffset next;
            lock (_states)
            {
                next = _states.Min(s => s.NextAttempt);
            }

            var wait = next - _time.GetUtcNow();
            try
            {
                await DelayAsync(wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(1), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Like Task.Delay on the time provider, but the loop continues inline on the thread that fires the timer
    /// (Task.Delay always hops to the pool): with a fake clock the whole retry step then runs inside Advance.
    /// </summary>
    private async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource();
        using var timer = _time.CreateTimer(static s => ((TaskCompletionSource)s!).TrySetResult(), done, delay, Timeout.InfiniteTimeSpan);
        using var registration = cancellationToken.Register(static s => ((TaskCompletionSource)s!).TrySetCanceled(), done);
        await done.Task.ConfigureAwait(false);
    }

    private async Task TryAsync(SeedState state, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        string? error = null;
        try
        {
            addresses = IPAddress.TryParse(state.Seed.Host, out var literal) ? [literal] : await _resolve(state.Seed.Host, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex) when (ex is SocketException or ArgumentException)
        {
            addresses = [];
            error = "cannot resolve " + state.Seed.Host + ": " + ex.Message;
        }

        if (addresses.Length == 0)
        {
            error ??= "no address for " + state.Seed.Host;
        }

        var endPoints = addresses
            .Select(a => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a)
            .Distinct()
            .Select(a => new IPEndPoint(a, state.Seed.Port))
            .ToList();
        var joined = endPoints.Count > 0 && _view.Current.Members.Any(m => m.IsLive && endPoints.Contains(m.GossipEndPoint));
        var now = _time.GetUtcNow();
        var newError = error is not null && error != state.LastError;
        lock (_states)
        {
            state.Attempts++;
            state.LastError = error;
            // What was offered at the previous try had its chance to join; at the first try nothing was offered yet.
            state.Unanswered = !joined && state.Offered;
            state.Offered = !joined && endPoints.Count > 0;
            if (joined)
            {
                if (!state.Joined)
                {
                    LogJoined(state.Seed.ToString());
                }

                state.Joined = true;
                state.Failures = 0;
                state.NextAttempt = now + _options.Retry.Spread(_options.JoinedCheckInterval, _random);
                return;
            }

            state.Joined = false;
            state.Failures++;
            state.NextAttempt = now + _options.Retry.Delay(state.Failures, _random);
        }

        if (newError)
        {
            // Once per distinct error, not at every retry.
            LogSeedError(state.Seed.ToString(), error!);
        }

        foreach (var endPoint in endPoints)
        {
            _sink.OfferCandidate(endPoint, DiscoverySource.Seed);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "seed {Seed} joined")]
    private partial void LogJoined(string seed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "seed {Seed}: {Error}; retrying")]
    private partial void LogSeedError(string seed, string error);

    private sealed class SeedState(SeedAddress seed)
    {
        public SeedAddress Seed { get; } = seed;

        public bool Joined { get; set; }

        public int Attempts { get; set; }

        public string? LastError { get; set; }

        /// <summary>The last try offered its addresses to the mesh.</summary>
        public bool Offered { get; set; }

        /// <summary>The addresses offered before the last try did not join by then.</summary>
        public bool Unanswered { get; set; }

        public DateTimeOffset NextAttempt { get; set; }

        /// <summary>Tries in a row that did not find the seed a live member (0 once it is).</summary>
        public int Failures { get; set; }
    }
}
