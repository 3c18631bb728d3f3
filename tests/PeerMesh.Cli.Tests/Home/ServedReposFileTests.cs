using PeerMesh.Cli.Home;
using Xunit;

namespace PeerMesh.Cli.Tests.Home;

public sealed class ServedReposFileTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("peermesh-home-");

    private NodeHome Home => NodeHome.Resolve(_folder.FullName, _ => null);

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public void Read_NoFile_Empty()
    {
        Assert.Empty(ServedReposFile.Read(Home));
    }

    [Fact]
    public void Write_ThenRead_SameEntriesInOrderNoTempFileLeftPrivate()
    {
        ServedEntry[] entries =
        [
            new("shop", "/src/shop", "/src/shop/.git", "1111111111111111111111111111111111111111"),
            new("shop-2", "/src/other/shop", "/src/other/shop/.git", "2222222222222222222222222222222222222222"),
        ];

        ServedReposFile.Write(Home, entries);

        Assert.Equal(entries, ServedReposFile.Read(Home));
        Assert.Equal(["served.json"], _folder.GetFiles().Select(f => f.Name));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Home.ServedFile));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"version\": 2, \"repos\": []}")]
    [InlineData("{\"version\": 1, \"repos\": [{\"name\": \"\", \"path\": \"/x\", \"gitDirectory\": \"/x/.git\", \"repoId\": \"\"}]}")]
    [InlineData("{\"version\": 1}")]
    public void Read_Damaged_OneLineErrorNamingTheFile(string content)
    {
        File.WriteAllText(Home.ServedFile, content);

        var e = Assert.Throws<CliException>(() => ServedReposFile.Read(Home));

        Assert.Equal($"{Home.ServedFile} is damaged; move it away to start with nothing served", e.Message);
    }
}
