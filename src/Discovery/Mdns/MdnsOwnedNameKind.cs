namespace PeerMesh.Discovery.Mdns;

/// <summary>The kinds of unique names the responder owns.</summary>
internal enum MdnsOwnedNameKind
{
    Host,
    Node,
    Repo,
}
