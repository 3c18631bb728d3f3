using System.Diagnostics;

namespace PeerMesh.TestSupport.Netns;

/// <summary>SIGKILL by pid for processes that are not our children (found in a namespace).</summary>
internal static class Signal
{
    public static bool Kill(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: false);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
