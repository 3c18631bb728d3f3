using System.CommandLine;
using PeerMesh.Cli.Settings;

namespace PeerMesh.Cli.Commands;

/// <summary>The node settings flags, shared by <c>up</c> (which uses them) and <c>doctor</c> (which checks them).</summary>
internal sealed class NodeOptions
{
    private readonly Option<string?> _name = new("--name") { Description = "Name shown to peers (default: host name; git config peermesh.name)" };
    private readonly Option<string?> _listen = new("--listen") { Description = "Address to serve and gossip on (default: all interfaces; peermesh.listen)" };
    private readonly Option<int?> _gitPort = new("--git-port") { Description = "git daemon port (default 9418, any free port if taken; 0 = any free; peermesh.gitPort)" };
    private readonly Option<int?> _gossipPort = new("--gossip-port") { Description = "Gossip UDP port (default 9419; 0 = any free; peermesh.gossipPort)" };
    private readonly Option<string[]> _peers = new("--peer") { Description = "A seed peer HOST:PORT, repeatable (peermesh.peer)" };
    private readonly Option<string[]> _meshKey = new("--mesh-key-file") { Description = "File holding the mesh key; repeat to rotate keys (the first seals, all open); without it the mesh is open (peermesh.meshKeyFile)" };
    private readonly Option<bool> _noMdns = new("--no-mdns") { Description = "Do not use mDNS discovery (peermesh.mdns false)" };
    private readonly Option<int?> _fetchInterval = new("--fetch-interval") { Description = "Seconds between backstop fetches (default 60; peermesh.fetchInterval)" };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _name, _listen, _gitPort, _gossipPort, _peers, _meshKey, _noMdns, _fetchInterval })
        {
            command.Options.Add(option);
        }
    }

    public CommandLineSettings Read(ParseResult parse) => new()
    {
        Name = parse.GetValue(_name),
        Listen = parse.GetValue(_listen),
        GitPort = parse.GetValue(_gitPort),
        GossipPort = parse.GetValue(_gossipPort),
        Peers = parse.GetValue(_peers) ?? [],
        MeshKeyFiles = parse.GetValue(_meshKey) ?? [],
        NoMdns = parse.GetValue(_noMdns),
        FetchIntervalSeconds = parse.GetValue(_fetchInterval),
    };
}
