using Microsoft.Extensions.Logging;

namespace PeerMesh.Discovery.Mdns;

/// <summary>Source-generated log lines for mDNS.</summary>
internal static partial class MdnsLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "mDNS discovery is degraded: {Reason}. Peers given with --peer and found by gossip still work.")]
    public static partial void Degraded(this ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "mDNS multicast works again")]
    public static partial void Recovered(this ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "mDNS name {Name} established")]
    public static partial void NameEstablished(this ILogger logger, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "mDNS name conflict on {Name}; trying {NewName}")]
    public static partial void NameConflict(this ILogger logger, string name, string newName);

    [LoggerMessage(Level = LogLevel.Debug, Message = "mDNS found node {NodeId} at {EndPoint}")]
    public static partial void PeerFound(this ILogger logger, string nodeId, string endPoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "mDNS receive loop on {Socket} failed; restarting")]
    public static partial void ReceiveFaulted(this ILogger logger, Exception exception, string socket);

    [LoggerMessage(Level = LogLevel.Information, Message = "mDNS interfaces: {Interfaces}")]
    public static partial void InterfacesChanged(this ILogger logger, string interfaces);
}
