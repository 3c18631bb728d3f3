using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PeerMesh.Cli.Control;
using Xunit;

namespace PeerMesh.Cli.Tests.Control;

/// <summary>The client's hand-written lines against the node's serializer: the same protocol on both sides.</summary>
public sealed class ControlLineTests
{
    public static TheoryData<string, string?, string?> Requests => new()
    {
        { "status", null, null },
        { "status", null, "/home/zoë/src/\"quoted\" shop\\x" },
        { "remove", "/tmp/r", null },
        { "forget", "old-laptop", "/tmp/r" },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public void Request_ReadByTheNode_IsTheSameRecordOnOneLine(string command, string? argument, string? repo)
    {
        var request = new ControlRequest(ControlRequest.CurrentVersion, command, argument, repo);

        var line = Encoding.UTF8.GetString(ControlLine.Request(request));

        Assert.EndsWith("\n", line, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', line[..^1]);
        Assert.Equal(request, JsonSerializer.Deserialize<ControlRequest>(line, ControlJson.Options));
    }

    [Fact]
    public void Response_SuccessWrittenByTheNode_SameFieldsAndBody()
    {
        var body = new JsonObject { ["added"] = true, ["repos"] = new JsonArray(new JsonObject { ["name"] = "zoë's shop", ["url"] = "git://h:9418/shop" }) };
        var sent = ControlResponse.Success(body);

        var read = ControlLine.Response(JsonSerializer.Serialize(sent, ControlJson.Options));

        Assert.NotNull(read);
        Assert.Equal((sent.Version, sent.Ok, sent.Error, sent.ExitCode), (read.Version, read.Ok, read.Error, read.ExitCode));
        Assert.Equal(body.ToJsonString(ControlJson.Options), read.Body!.ToJsonString(ControlJson.Options));
    }

    [Fact]
    public void Response_FailureWrittenByTheNode_ErrorAndExitCode()
    {
        var read = ControlLine.Response(JsonSerializer.Serialize(ControlResponse.Failure("/tmp/x is not served by this node", ExitCodes.Usage), ControlJson.Options));

        Assert.NotNull(read);
        Assert.False(read.Ok);
        Assert.Equal("/tmp/x is not served by this node", read.Error);
        Assert.Equal(ExitCodes.Usage, read.ExitCode);
        Assert.Null(read.Body);
    }

    [Fact]
    public void Response_ArrayBody_ReadAsAnArray()
    {
        var read = ControlLine.Response(JsonSerializer.Serialize(ControlResponse.Success(new JsonArray(1, 2)), ControlJson.Options));

        Assert.Equal("[1,2]", read?.Body?.ToJsonString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("null")]
    [InlineData("[1,2]")]
    [InlineData("{\"ok\":true")]
    [InlineData("{\"version\":\"one\",\"ok\":true}")]
    [InlineData("{\"version\":1e99,\"ok\":true}")]
    public void Response_NotAControlResponse_Null(string line)
    {
        Assert.Null(ControlLine.Response(line));
    }
}
