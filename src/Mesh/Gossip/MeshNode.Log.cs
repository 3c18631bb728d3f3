using System.Net;
using Microsoft.Extensions.Logging;
using PeerMesh.Mesh.Membership;

namespace PeerMesh.Mesh.Gossip;

/// <summary>Source-generated log lines of the mesh node.</summary>
internal sealed partial class MeshNode
{
    [LoggerMessage(Level = LogLevel.Information, Message = "gossip mesh node {NodeId} listening on {EndPoint} (mesh key: {Encrypted})")]
    private partial void LogStarted(string nodeId, IPEndPoint endPoint, bool encrypted);

    [LoggerMessage(Level = LogLevel.Information, Message = "member {NodeId} ({Name}) joined at {EndPoint}")]
    private partial void LogMemberJoined(string nodeId, string name, IPEndPoint endPoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "member {NodeId} is alive again (was {Previous})")]
    private partial void LogMemberAlive(string nodeId, MemberState previous);

    [LoggerMessage(Level = LogLevel.Debug, Message = "member {NodeId} suspected by {From}")]
    private partial void LogMemberSuspect(string nodeId, string from);

    [LoggerMessage(Level = LogLevel.Information, Message = "member {NodeId} declared dead by {From}")]
    private partial void LogMemberDead(string nodeId, string from);

    [LoggerMessage(Level = LogLevel.Information, Message = "member {NodeId} left")]
    private partial void LogMemberLeft(string nodeId);

    [LoggerMessage(Level = LogLevel.Information, Message = "member {NodeId} moved from {Old} to {New}")]
    private partial void LogAddressChanged(string nodeId, IPEndPoint old, IPEndPoint @new);

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "dropping gossip from {Source}: {Reason} (other version, mesh id or mesh key; logged once per source)")]
    private partial void LogForeignDatagram(IPAddress source, string reason);
}
