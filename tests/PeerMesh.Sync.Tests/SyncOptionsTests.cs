using Xunit;

namespace PeerMesh.Sync.Tests;

public sealed class SyncOptionsTests
{
    [Fact]
    public void Validate_Defaults_Accepted()
    {
        var options = new SyncOptions();

        options.Validate();

        Assert.Equal(TimeSpan.FromSeconds(30), options.RetryMaxDelay);
        Assert.Equal(TimeSpan.FromSeconds(5), options.ReconcileRetryDelay);
    }

    [Theory]
    [InlineData(0.5, 300)] // below RetryBaseDelay (1 s)
    [InlineData(301, 300)] // above OverallTimeout
    public void Validate_RetryMaxDelayOutOfRange_ThrowsNamingIt(double maxSeconds, double overallSeconds)
    {
        var options = new SyncOptions
        {
            RetryMaxDelay = TimeSpan.FromSeconds(maxSeconds),
            OverallTimeout = TimeSpan.FromSeconds(overallSeconds),
            AttemptTimeout = TimeSpan.FromSeconds(overallSeconds),
        };

        var error = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);

        Assert.Equal(nameof(SyncOptions.RetryMaxDelay), error.ParamName);
    }

    [Fact]
    public void Validate_ReconcileRetryDelayZero_ThrowsNamingIt()
    {
        var options = new SyncOptions { ReconcileRetryDelay = TimeSpan.Zero };

        var error = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);

        Assert.Equal(nameof(SyncOptions.ReconcileRetryDelay), error.ParamName);
    }
}
