using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PeerMesh.Sync.Status;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Retry;
using Polly.Timeout;

namespace PeerMesh.Sync.Fetching;

/// <summary>
/// One Polly pipeline per peer, from a registry: overall timeout -> retry (exponential, jitter, transient errors
/// only) -> circuit breaker (sized for a few calls) -> attempt timeout. All time through the given
/// <see cref="TimeProvider"/>. The cadence of fetching is the scheduler's timer, not a retry policy.
/// </summary>
internal sealed partial class FetchPipelines : IDisposable
{
    private readonly SyncOptions _options;
    private readonly ILogger _logger;
    private readonly ResiliencePipelineRegistry<string> _registry;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, CircuitBreakerStateProvider> _breakers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, BreakerWatch> _watches = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CircuitBreakerManualControl> _controls = new(StringComparer.Ordinal);

    public FetchPipelines(SyncOptions options, TimeProvider timeProvider, ILogger<FetchPipelines>? logger = null)
    {
        _options = options;
        _time = timeProvider;
        _logger = logger ?? NullLogger<FetchPipelines>.Instance;
        _registry = new ResiliencePipelineRegistry<string>(new ResiliencePipelineRegistryOptions<string>
        {
            BuilderFactory = () => new ResiliencePipelineBuilder { TimeProvider = timeProvider },
        });
    }

    public ResiliencePipeline For(string peerKey) =>
        _registry.GetOrAddPipeline(peerKey, (builder, _) =>
        {
            var breaker = _breakers.GetOrAdd(peerKey, _ => new CircuitBreakerStateProvider());
            var watch = _watches.GetOrAdd(peerKey, _ => new BreakerWatch(_time));
            var control = _controls.GetOrAdd(peerKey, _ => new CircuitBreakerManualControl());
            Configure(builder, _options, breaker, watch, control, args =>
            {
                // Retries are otherwise silent: a fetch that lands a second late should say why.
                LogRetry(_logger, peerKey, args.AttemptNumber + 1, (int)args.RetryDelay.TotalMilliseconds, args.Outcome.Exception?.Message ?? "unknown error");
                return ValueTask.CompletedTask;
            });
        });

    /// <summary>
    /// Closes the peer's breaker and forgets its failures: they belonged to a run of the peer that has ended (it came
    /// back after being gone, or now answers at another address). Polly closes the circuit under its own lock before
    /// this returns and our breaker callbacks are synchronous, so an attempt that starts after this call goes through.
    /// </summary>
    public void Reset(string peerKey)
    {
        if (_controls.TryGetValue(peerKey, out var control))
        {
            _ = control.CloseAsync();
        }
    }

    /// <summary>"closed", "open", "half-open", "isolated", or "closed" for a peer never fetched.</summary>
    public string BreakerState(string peerKey) =>
        _breakers.TryGetValue(peerKey, out var provider)
            ? provider.CircuitState switch
            {
                CircuitState.Open => "open",
                CircuitState.HalfOpen => "half-open",
                CircuitState.Isolated => "isolated",
                _ => "closed",
            }
            : "closed";

    /// <summary>The breaker's state with its failures and, while open, when it lets a fetch through again.</summary>
    public BreakerStatus Breaker(string peerKey)
    {
        var state = BreakerState(peerKey);
        return _watches.TryGetValue(peerKey, out var watch)
            ? new BreakerStatus(state, watch.Failures, state == "open" ? watch.RetryAt : null)
            : BreakerStatus.Closed;
    }

    /// <summary>Builds the strategies in order (outermost first); public for the pipeline's own tests.</summary>
    public static void Configure(
        ResiliencePipelineBuilder builder,
        SyncOptions options,
        CircuitBreakerStateProvider? breakerState,
        BreakerWatch? breakerWatch = null,
        CircuitBreakerManualControl? manualControl = null,
        Func<OnRetryArguments<object>, ValueTask>? onRetry = null)
    {
        // The peer's fault only: a lock held by the user's own git, a refused config, our repository gone or our disk
        // full is not the peer's, nor is an attempt at an address the peer has left (issue 12 item 14).
        Func<CircuitBreakerPredicateArguments<object>, ValueTask<bool>> peerFault = new PredicateBuilder()
            .Handle<FetchFailedException>(e => !e.IsLocal && e.Kind is not (FetchErrorKind.LockContention or FetchErrorKind.NotManaged or FetchErrorKind.Cancelled or FetchErrorKind.AddressMoved))
            .Handle<TimeoutRejectedException>();

        builder.AddTimeout(new TimeoutStrategyOptions { Name = "overall", Timeout = options.OverallTimeout });
        if (options.RetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                Name = "retry",
                ShouldHandle = new PredicateBuilder().Handle<FetchFailedException>(e => e.IsTransient),
                MaxRetryAttempts = options.RetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.RetryMaxDelay,
                OnRetry = onRetry,
            });
        }

        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            Name = "breaker",
            ShouldHandle = async args =>
            {
                var handled = await peerFault(args);
                if (handled)
                {
                    breakerWatch?.Failed();
                }

                return handled;
            },
            OnOpened = args =>
            {
                breakerWatch?.Opened(args.BreakDuration);
                return ValueTask.CompletedTask;
            },
            OnHalfOpened = _ =>
            {
                breakerWatch?.HalfOpened();
                return ValueTask.CompletedTask;
            },
            OnClosed = _ =>
            {
                breakerWatch?.Closed();
                return ValueTask.CompletedTask;
            },
            FailureRatio = options.BreakerFailureRatio,
            MinimumThroughput = options.BreakerMinimumThroughput,
            SamplingDuration = options.BreakerSamplingDuration,
            BreakDuration = options.BreakerBreakDuration,
            StateProvider = breakerState,
            ManualControl = manualControl,
        });
        builder.AddTimeout(new TimeoutStrategyOptions { Name = "attempt", Timeout = options.AttemptTimeout });
    }

    public void Dispose() => _registry.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "fetch from peer {Peer} failed ({Error}); retry {Attempt} in {DelayMs} ms")]
    private static partial void LogRetry(ILogger logger, string peer, int attempt, int delayMs, string error);
}
