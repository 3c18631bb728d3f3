using System.Net;
using Microsoft.Extensions.Logging;
using PeerMesh.Mesh.Membership;
using PeerMesh.Mesh.Wire;

namespace PeerMesh.Mesh.Gossip;

/// <summary>Source-generated log lines of the mesh node.</summary>
internal sealed partial class MeshNode
{
    /// <summary>"name (id prefix)" for log lines people read; the id alone when the member is not known.</summary>
    private string Who(string id)
    {
        var shortId = id[..Math.Min(8, id.Length)];
        return id == _identity.Id ? $"{Name} (this node)"
            : _table.Current.Find(id) is { } member ? $"{member.Name} ({shortId})"
            : shortId;
    }

    /// <summary>How a state reads in a log line: a dead peer is "offline" there (its remote and refs stay).</summary>
    private static string Describe(MemberState state) => state switch
    {
        MemberState.Alive => "alive",
        MemberState.Suspect => "suspect",
        MemberState.Dead => "offline",
        _ => "gone (left)",
    };

    /// <summary>Why a foreign datagram was dropped, in words (the drop reason stays beside it: it is the counter's key).</summary>
    private static string DescribeForeign(string reason) => reason switch
    {
        DropReason.UnknownVersion => "another protocol version",
        DropReason.WrongMesh => "another mesh id",
        DropReason.KeyMismatch => "another mesh key, or a sealed and an open mesh",
        _ => reason,
    };

    private void LogStarted(string nodeId, IPEndPoint endPoint, bool encrypted) =>
        LogStarted(nodeId, endPoint, encrypted ? "sealed with the mesh key" : "open mesh, no mesh key");

    [LoggerMessage(Level = LogLevel.Information, Message = "gossip mesh node {NodeId} listening on {EndPoint} ({Sealing})")]
    private partial void LogStarted(string nodeId, IPEndPoint endPoint, string sealing);

    [LoggerMessage(Level = LogLevel.Information, Message = "peer {Name} ({NodeId}) joined at {EndPoint}")]
    private partial void LogMemberJoined(string nodeId, string name, IPEndPoint endPoint);

    private void LogMemberAlive(string peer, MemberState previous) => LogMemberAlive(peer, Describe(previous));

    [LoggerMessage(Level = LogLevel.Information, Message = "peer {Peer} is alive again (was {Previous})")]
    private partial void LogMemberAlive(string peer, string previous);

    [LoggerMessage(Level = LogLevel.Information, Message = "peer {Peer} is suspect (no answer; reported by {From})")]
    private partial void LogMemberSuspect(string peer, string from);

    [LoggerMessage(Level = LogLevel.Information, Message = "peer {Peer} is offline (declared dead by {From}); its remote and refs are kept")]
    private partial void LogMemberDead(string peer, string from);

    [LoggerMessage(Level = LogLevel.Information, Message = "peer {Peer} left")]
    private partial void LogMemberLeft(string peer);

    private void LogAddressChanged(string nodeId, IPEndPoint old, IPEndPoint @new) => LogPeerMoved(Who(nodeId), old, @new);

    [LoggerMessage(Level = LogLevel.Information, Message = "peer {Peer} moved from {Old} to {New}")]
    private partial void LogPeerMoved(string peer, IPEndPoint old, IPEndPoint @new);

    [LoggerMessage(Level = LogLevel.Information, Message = "refuted a rumour about this node; incarnation now {Incarnation}")]
    private partial void LogRefuted(long incarnation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "refs published for repository {RepoId}, which this node does not announce")]
    private partial void LogUnknownLocalRepo(string repoId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "a gossip datagram of {Bytes} bytes was not sent: above the datagram limit")]
    private partial void LogOversizedSend(int bytes);

    [LoggerMessage(Level = LogLevel.Error, Message = "a gossip timer failed; continuing")]
    private partial void LogTimerFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "handling a datagram from {Source} failed; dropped")]
    private partial void LogHandlerFailed(IPEndPoint source, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "gossip from {Source} exceeds {Limit} datagrams/s; dropping its datagrams until it slows down")]
    private partial void LogRateLimited(IPEndPoint source, int limit);

    private void LogForeignDatagram(IPAddress source, string reason) => LogForeignDatagram(source, DescribeForeign(reason), reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "dropping gossip from {Source}: {Reason} ({DropReason}; logged once per source)")]
    private partial void LogForeignDatagram(IPAddress source, string reason, string dropReason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "node {NodeId} was announced at {EndPoint}, which did not prove it (no signed answer to a challenge); not believed (logged once per address)")]
    private partial void LogUnprovenAddress(string nodeId, IPEndPoint endPoint);
}
