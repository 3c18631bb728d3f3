using PeerMesh.Mesh.Wire;
using Xunit;

namespace PeerMesh.Mesh.Tests.Wire;

public sealed class WireValidationTests
{
    [Theory]
    [InlineData("shop", "shop")]
    [InlineData("tab\there", "tab?here")]
    [InlineData("esc\u001b[2J", "esc?[2J")]
    public void ToDisplayName_ShortName_ControlCharactersReplaced(string name, string expected) =>
        Assert.Equal(expected, WireValidation.ToDisplayName(name));

    [Fact]
    public void ToDisplayName_FolderNameLongerThanTheCap_CutToAValidDisplayName()
    {
        var name = "alice-" + new string('x', 120);

        var display = WireValidation.ToDisplayName(name);

        Assert.Equal(name[..WireValidation.MaxNameLength], display);
        Assert.True(WireValidation.IsDisplayName(display));
    }

    [Fact]
    public void ToDisplayName_SurrogatePairAtTheCut_NotSplit()
    {
        var name = new string('x', WireValidation.MaxNameLength - 1) + "\U0001F600" + "tail";

        var display = WireValidation.ToDisplayName(name);

        Assert.Equal(new string('x', WireValidation.MaxNameLength - 1), display);
        Assert.True(WireValidation.IsDisplayName(display));
    }
}
