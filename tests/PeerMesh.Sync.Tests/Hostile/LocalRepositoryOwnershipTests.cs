using System.Diagnostics;
using PeerMesh.Sync.LocalRepo;
using PeerMesh.TestSupport.Git;
using Xunit;

namespace PeerMesh.Sync.Tests.Hostile;

/// <summary>HOSTILE-INPUTS 41: a repository owned by another OS user gives a clear error naming safe.directory.</summary>
public sealed class LocalRepositoryOwnershipTests
{
    [Fact]
    public void Open_RepositoryOwnedByAnotherUser_ErrorNamesSafeDirectory()
    {
        Assert.SkipUnless(Environment.UserName == "root", "needs root to chown the repository to another user");
        using var repo = TempRepository.Create(commits: 1);
        Chown("nobody", repo.Path);
        try
        {
            var error = Assert.Throws<RepositoryLookupException>(() => LocalRepository.Open(repo.Path));

            Assert.Contains("owned by another user", error.Message, StringComparison.Ordinal);
            Assert.Contains($"git config --global --add safe.directory {repo.Path}", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("\n", error.Message, StringComparison.Ordinal);
            // The suggested command is the one git itself needs: with it, git trusts the repository.
            var home = Directory.CreateTempSubdirectory("peermesh-home-").FullName;
            try
            {
                Assert.NotEqual(0, Git(home, repo.Path, "status"));
                Assert.Equal(0, Git(home, repo.Path, "config", "--global", "--add", "safe.directory", repo.Path));
                Assert.Equal(0, Git(home, repo.Path, "status"));
            }
            finally
            {
                Directory.Delete(home, recursive: true);
            }
        }
        finally
        {
            Chown("root", repo.Path);
        }
    }

    private static int Git(string home, string directory, params string[] args)
    {
        var info = new ProcessStartInfo("git") { WorkingDirectory = directory, UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        info.Environment["HOME"] = home;
        info.Environment.Remove("GIT_CONFIG_GLOBAL");
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode;
    }

    private static void Chown(string user, string path)
    {
        using var process = Process.Start(new ProcessStartInfo("chown", ["-R", user, path]) { UseShellExecute = false })!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }
}
