using System.Net;

namespace PeerMesh.TestSupport.Netns;

/// <summary>One of a host's cables: its name in the host, its address, its port on the switch and the link it is on.</summary>
public sealed record NetnsInterface(string Name, IPAddress Address, string SwitchPort, int Link);
