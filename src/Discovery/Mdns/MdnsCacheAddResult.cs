namespace PeerMesh.Discovery.Mdns;

/// <summary>What adding a record did to the cache.</summary>
internal enum MdnsCacheAddResult
{
    /// <summary>The cache is full; the record was dropped.</summary>
    Dropped,

    /// <summary>A record not cached before.</summary>
    Added,

    /// <summary>A known record refreshed, or a goodbye for it (nothing new to evaluate).</summary>
    Refreshed,
}
