using System.Globalization;
using System.Text;

namespace PeerMesh.Cli.Status;

/// <summary>The readable form of <see cref="StatusDocument"/>, for people.</summary>
internal static class StatusText
{
    public static string Render(StatusDocument status, DateTimeOffset now)
    {
        var text = new StringBuilder();
        var node = status.Node;
        text.AppendLine(CultureInfo.InvariantCulture, $"node     {node.Name} ({node.Id[..8]}), gossip port {node.GossipPort}, mesh {node.Mesh}");
        var serving = status.Serving;
        var servingState = serving.Up ? "up" : $"DOWN: {serving.LastError ?? "not started"}";
        foreach (var repo in status.Repos)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"serving  {repo.Name} at {repo.Url} ({servingState})");
        }

        if (status.Peers.Count == 0)
        {
            text.AppendLine("peers    none yet");
            return text.ToString();
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"PEER",-20} {"ID",-8} {"STATE",-7} {"ADDRESS",-22} {"FOUND BY",-14} LAST SEEN");
        foreach (var peer in status.Peers)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{Clip(peer.Name, 20),-20} {peer.Id[..Math.Min(8, peer.Id.Length)],-8} {peer.State,-7} {Clip(peer.Address, 22),-22} {string.Join(',', peer.FoundBy),-14} {Ago(now - peer.LastSeen)}");
        }

        return text.ToString();
    }

    public static string Ago(TimeSpan elapsed) => elapsed.TotalSeconds switch
    {
        < 1 => "just now",
        < 120 => $"{(int)elapsed.TotalSeconds} s ago",
        < 7200 => $"{(int)elapsed.TotalMinutes} min ago",
        _ => $"{(int)elapsed.TotalHours} h ago",
    };

    private static string Clip(string text, int width)
    {
        var printable = new string(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return printable.Length <= width ? printable : printable[..(width - 1)] + "…";
    }
}
