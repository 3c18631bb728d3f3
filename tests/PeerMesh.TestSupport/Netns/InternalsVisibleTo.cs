using System.Runtime.CompilerServices;

// The bed's own tests check the sweeper's staleness rule directly.
[assembly: InternalsVisibleTo("PeerMesh.EndToEnd.Tests")]
