using System.Net;
using Microsoft.Extensions.Logging;
using PeerMesh.Cli.Home;
using PeerMesh.Cli.Settings;

namespace PeerMesh.Cli.Commands;

/// <summary>What <c>peermesh up</c> was asked.</summary>
/// <param name="Path">The repository to add; null = the one the current folder is in, or none outside a repository.</param>
/// <param name="WebGiven">Whether <c>--web</c> was on the command line (it is a node-level flag).</param>
/// <param name="Arguments">The command line, to start the node again in the background for <c>--detach</c>.</param>
internal sealed record UpRequest(
    NodeHome Home,
    string? Path,
    CommandLineSettings Flags,
    LogLevel Level,
    IPEndPoint? Dashboard,
    bool WebGiven,
    bool Detach,
    IReadOnlyList<string> Arguments);
