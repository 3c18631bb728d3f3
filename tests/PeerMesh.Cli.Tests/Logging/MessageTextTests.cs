using PeerMesh.Cli.Logging;
using Xunit;

namespace PeerMesh.Cli.Tests.Logging;

public sealed class MessageTextTests
{
    [Theory]
    [InlineData("Address already in use", "address already in use")]
    [InlineData("Permission denied.", "permission denied")]
    [InlineData("DNS lookup failed", "DNS lookup failed")]
    [InlineData("I/O error", "I/O error")]
    [InlineData("Line one\nline two", "line one line two")]
    [InlineData("", "")]
    public void Inline_OsMessage_FitsAfterAColon(string message, string expected)
    {
        Assert.Equal(expected, MessageText.Inline(message));
    }
}
