using Microsoft.Extensions.Time.Testing;
using Polly.CircuitBreaker;
using Polly.Timeout;
using PeerMesh.Sync.Fetching;
using PeerMesh.Sync.Status;
using Xunit;

namespace PeerMesh.Sync.Tests.Fetching;

public sealed class FetchPipelinesTests : IDisposable
{
    private static readonly FetchOutcome s_ok = new([], [], 0);

    private readonly FakeTimeProvider _time = new();
    private readonly SyncOptions _options = new()
    {
        RetryAttempts = 2,
        RetryBaseDelay = TimeSpan.FromSeconds(1),
        BreakerMinimumThroughput = 3,
        BreakerSamplingDuration = TimeSpan.FromMinutes(5),
        BreakerBreakDuration = TimeSpan.FromSeconds(30),
        AttemptTimeout = TimeSpan.FromSeconds(20),
        OverallTimeout = TimeSpan.FromSeconds(60),
    };

    private readonly FetchPipelines _pipelines;
    private int _calls;

    public FetchPipelinesTests()
    {
        _pipelines = new FetchPipelines(_options, _time);
    }

    public void Dispose() => _pipelines.Dispose();

    /// <summary>Runs the pipeline, advancing fake time in steps until it finishes (retries wait on the fake clock).</summary>
    private async Task<FetchOutcome> RunAsync(string peer, Func<CancellationToken, Task<FetchOutcome>> attempt)
    {
        var task = _pipelines.For(peer).ExecuteAsync(
            ct =>
            {
                Interlocked.Increment(ref _calls);
                return new ValueTask<FetchOutcome>(attempt(ct));
            },
            TestContext.Current.CancellationToken).AsTask();
        for (var i = 0; i < 600 && !task.IsCompleted; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(500));

            // Let what that step fired (a cancellation, a retry) run before time moves on: otherwise a later
            // timeout (overall) can overtake the one that fired first (attempt) and the outcome depends on scheduling.
            await Task.WhenAny(task, Task.Delay(TimeSpan.FromMilliseconds(2), TestContext.Current.CancellationToken));
        }

        return await task;
    }

    private static Task<FetchOutcome> Refused(CancellationToken _) =>
        Task.FromException<FetchOutcome>(new FetchFailedException(FetchErrorKind.ConnectionRefused, "connection refused"));

    [Fact]
    public async Task Execute_TransientThenSuccess_RetriedAndSucceeds()
    {
        var outcome = await RunAsync("a", ct => _calls == 1 ? Refused(ct) : Task.FromResult(s_ok));

        Assert.Same(s_ok, outcome);
        Assert.Equal(2, _calls);
        Assert.Equal("closed", _pipelines.BreakerState("a"));
    }

    [Theory]
    [InlineData((int)FetchErrorKind.NoAnswer)]
    [InlineData((int)FetchErrorKind.PackTooLarge)]
    [InlineData((int)FetchErrorKind.BadAnswer)]
    [InlineData((int)FetchErrorKind.NotManaged)]
    public async Task Execute_NonTransientFailure_NotRetried(int kindValue)
    {
        var kind = (FetchErrorKind)kindValue;
        var error = await Assert.ThrowsAsync<FetchFailedException>(
            () => RunAsync("a", _ => Task.FromException<FetchOutcome>(new FetchFailedException(kind, "x"))));

        Assert.Equal(kind, error.Kind);
        Assert.Equal(1, _calls);
    }

    [Fact]
    public async Task Execute_LockContention_RetriedButBreakerStaysClosed()
    {
        await Assert.ThrowsAsync<FetchFailedException>(() => RunAsync(
            "a",
            _ => Task.FromException<FetchOutcome>(new FetchFailedException(FetchErrorKind.LockContention, "locked"))));

        Assert.Equal(3, _calls);
        Assert.Equal("closed", _pipelines.BreakerState("a"));
    }

    [Fact]
    public async Task Execute_PeerDown_RetriesThenBreakerOpensAndFailsFast()
    {
        await Assert.ThrowsAsync<FetchFailedException>(() => RunAsync("down", Refused));
        Assert.Equal(3, _calls);
        Assert.Equal("open", _pipelines.BreakerState("down"));

        var error = await Assert.ThrowsAsync<BrokenCircuitException>(() => RunAsync("down", Refused));

        Assert.Equal(3, _calls);
        Assert.StartsWith("circuit open", FetchErrors.Describe(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_PeerDownThenBack_BreakerRecoversAfterBreakDuration()
    {
        await Assert.ThrowsAsync<FetchFailedException>(() => RunAsync("p", Refused));
        Assert.Equal("open", _pipelines.BreakerState("p"));

        _time.Advance(_options.BreakerBreakDuration);
        var outcome = await RunAsync("p", _ => Task.FromResult(s_ok));

        Assert.Same(s_ok, outcome);
        Assert.Equal("closed", _pipelines.BreakerState("p"));
    }

    /// <summary>Status shows why a peer waits: the failures that opened its breaker and when it lets a fetch through.</summary>
    [Fact]
    public async Task Breaker_OpenedByFailures_CountsThemAndSaysWhenItLetsAFetchThrough()
    {
        Assert.Equal(BreakerStatus.Closed, _pipelines.Breaker("p"));

        await Assert.ThrowsAsync<FetchFailedException>(() => RunAsync("p", Refused));
        var openedAt = _time.GetUtcNow();

        Assert.Equal(new BreakerStatus("open", 3, openedAt + _options.BreakerBreakDuration), _pipelines.Breaker("p"));

        _time.Advance(_options.BreakerBreakDuration);
        await RunAsync("p", _ => Task.FromResult(s_ok));

        Assert.Equal(BreakerStatus.Closed, _pipelines.Breaker("p"));
    }

    [Fact]
    public async Task Execute_OnePeerDown_OtherPeersBreakerUnaffected()
    {
        await Assert.ThrowsAsync<FetchFailedException>(() => RunAsync("down", Refused));

        var outcome = await RunAsync("up", _ => Task.FromResult(s_ok));

        Assert.Same(s_ok, outcome);
        Assert.Equal("open", _pipelines.BreakerState("down"));
        Assert.Equal("closed", _pipelines.BreakerState("up"));
    }

    [Fact]
    public async Task Configure_JitteredRetryDelay_CappedAtRetryMaxDelay()
    {
        // Base and cap 10 s: the jittered first delay lands above the base about half of the time, so of 50 peers'
        // first retries some would exceed 10 s were the cap not the option (it was a fixed 30 s).
        var options = new SyncOptions
        {
            RetryAttempts = 1,
            RetryBaseDelay = TimeSpan.FromSeconds(10),
            RetryMaxDelay = TimeSpan.FromSeconds(10),
        };
        options.Validate();
        var delays = new List<TimeSpan>();
        using var stop = new CancellationTokenSource();
        var runs = new List<Task>();
        for (var peer = 0; peer < 50; peer++)
        {
            var builder = new Polly.ResiliencePipelineBuilder { TimeProvider = _time };
            FetchPipelines.Configure(builder, options, null, onRetry: args =>
            {
                delays.Add(args.RetryDelay);
                return ValueTask.CompletedTask;
            });

            // The first attempt fails at once; Polly reports the retry's delay before it starts waiting (on the fake
            // clock, which stands still), all on this thread.
            runs.Add(builder.Build().ExecuteAsync(
                _ => ValueTask.FromException<FetchOutcome>(new FetchFailedException(FetchErrorKind.ConnectionRefused, "connection refused")),
                stop.Token).AsTask());
            Assert.Equal(peer + 1, delays.Count);
        }

        Assert.All(delays, d => Assert.InRange(d, TimeSpan.Zero, options.RetryMaxDelay));
        await stop.CancelAsync();
        await Task.WhenAll(runs).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
    }

    [Fact]
    public async Task Execute_AttemptHangs_AttemptTimeoutCancelsIt()
    {
        var error = await Assert.ThrowsAsync<TimeoutRejectedException>(() => RunAsync("slow", async ct =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            return s_ok;
        }));

        Assert.Equal(1, _calls);
        Assert.Equal("took longer than 20 s", FetchErrors.Describe(error));
    }

    [Fact]
    public async Task Execute_RetriesExceedOverall_OverallTimeoutWins()
    {
        _options.OverallTimeout = TimeSpan.FromSeconds(3);
        using var pipelines = new FetchPipelines(_options, _time);
        var calls = 0;
        var task = pipelines.For("x").ExecuteAsync(
            async ct =>
            {
                calls++;
                await Task.Delay(TimeSpan.FromSeconds(2), _time, ct);
                throw new FetchFailedException(FetchErrorKind.ConnectionRefused, "connection refused");
#pragma warning disable CS0162 // keeps the lambda's return type
                return s_ok;
#pragma warning restore CS0162
            },
            TestContext.Current.CancellationToken).AsTask();
        for (var i = 0; i < 100 && !task.IsCompleted; i++)
        {
            await Task.Yield();
            _time.Advance(TimeSpan.FromMilliseconds(250));
        }

        var error = await Assert.ThrowsAsync<TimeoutRejectedException>(() => task);
        Assert.Equal(TimeSpan.FromSeconds(3), error.Timeout);
        Assert.True(calls <= 2, $"{calls} attempts");
    }
}
