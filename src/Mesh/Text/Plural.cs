using System.Globalization;

namespace PeerMesh.Mesh.Text;

/// <summary>Counts in words for log lines and status text: "1 ref", "3 refs", never "3 ref(s)".</summary>
internal static class Plural
{
    public static string Count(long count, string one, string many) =>
        count.ToString(CultureInfo.InvariantCulture) + " " + (count == 1 ? one : many);
}
