using PeerMesh.TestSupport.Netns;
using Xunit;

namespace PeerMesh.EndToEnd.Tests.Netns;

/// <summary>The one gate of the namespace tests: skipped (a failure as root in CI) where namespaces cannot be made.</summary>
internal static class NetnsSkip
{
    /// <summary>Skips the test when the test bed cannot run here; else the test's cancellation token.</summary>
    public static async Task<CancellationToken> UnlessAvailableAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var reason = await NetnsTestBed.GetSkipReasonAsync(ct);
        if (reason is not null)
        {
            Assert.Skip(reason);
        }

        return ct;
    }
}
