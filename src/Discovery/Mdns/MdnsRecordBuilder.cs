using System.Globalization;
using System.Net.Sockets;
using PeerMesh.Discovery.Dns;

namespace PeerMesh.Discovery.Mdns;

/// <summary>Builds the records of one owned name for one interface (host records carry that interface's addresses).</summary>
internal static class MdnsRecordBuilder
{
    public static List<DnsRecord> Build(MdnsOwnedName owned, MdnsAdvertisement advertisement, DnsName hostName, string meshHash, MdnsInterface networkInterface, uint ttl)
    {
        var records = new List<DnsRecord>();
        var name = owned.Name(advertisement.NodeId);
        switch (owned.Kind)
        {
            case MdnsOwnedNameKind.Host:
                foreach (var address in networkInterface.Addresses)
                {
                    var type = address.AddressFamily == AddressFamily.InterNetworkV6 ? DnsRecordType.Aaaa : DnsRecordType.A;
                    records.Add(new DnsRecord(name, type, ttl, new AddressRecordData(address), CacheFlush: true));
                }

                // RFC 6762 6.1: say which address types the host has, so an AAAA (or A) query for a
                // family it lacks gets a definite "none" instead of waiting out a timeout.
                var types = records.Select(r => r.Type).Distinct().Order().ToList();
                if (types.Count > 0)
                {
                    records.Add(new DnsRecord(name, DnsRecordType.Nsec, ttl, new NsecRecordData(name, types), CacheFlush: true));
                }

                break;
            case MdnsOwnedNameKind.Node:
                records.Add(new DnsRecord(MdnsNames.PeerMeshService, DnsRecordType.Ptr, ttl, new PtrRecordData(name)));
                records.Add(new DnsRecord(name, DnsRecordType.Srv, ttl, new SrvRecordData(0, 0, (ushort)advertisement.GossipPort, hostName), CacheFlush: true));
                records.Add(new DnsRecord(name, DnsRecordType.Txt, ttl, TxtRecordData.FromPairs(
                    new KeyValuePair<string, string>("id", advertisement.NodeId),
                    new KeyValuePair<string, string>("v", advertisement.ProtocolVersion.ToString(CultureInfo.InvariantCulture)),
                    new KeyValuePair<string, string>("mesh", meshHash)), CacheFlush: true));
                records.Add(new DnsRecord(MdnsNames.ServiceTypes, DnsRecordType.Ptr, ttl, new PtrRecordData(MdnsNames.PeerMeshService)));
                break;
            default:
                var repoId = owned.Key["repo:".Length..];
                var repo = advertisement.Repos.FirstOrDefault(r => r.RepoId == repoId);
                if (repo is null || advertisement.GitPort is <= 0 or > 65535)
                {
                    break;
                }

                records.Add(new DnsRecord(MdnsNames.GitService, DnsRecordType.Ptr, ttl, new PtrRecordData(name)));
                records.Add(new DnsRecord(name, DnsRecordType.Srv, ttl, new SrvRecordData(0, 0, (ushort)advertisement.GitPort, hostName), CacheFlush: true));
                records.Add(new DnsRecord(name, DnsRecordType.Txt, ttl, TxtRecordData.FromPairs(
                    new KeyValuePair<string, string>("repo", repo.RepoId),
                    new KeyValuePair<string, string>("path", repo.Path)), CacheFlush: true));
                records.Add(new DnsRecord(MdnsNames.ServiceTypes, DnsRecordType.Ptr, ttl, new PtrRecordData(MdnsNames.GitService)));
                break;
        }

        return records;
    }

    /// <summary>A string that identifies a record by name, type and rdata (not TTL), for rate limiting.</summary>
    public static string Key(DnsRecord record) =>
        record.Name.ToKey() + "/" + ((int)record.Type).ToString(CultureInfo.InvariantCulture) + "/" + Convert.ToHexString(record.Data.ToCanonicalBytes());

    /// <summary>RFC 6762 8.2 tie-break order: class, then type, then rdata bytes. Positive when <paramref name="a"/> is later.</summary>
    public static int CompareForTieBreak(DnsRecord a, DnsRecord b)
    {
        var c = a.Class.CompareTo(b.Class);
        if (c != 0)
        {
            return c;
        }

        c = ((ushort)a.Type).CompareTo((ushort)b.Type);
        if (c != 0)
        {
            return c;
        }

        return a.Data.ToCanonicalBytes().AsSpan().SequenceCompareTo(b.Data.ToCanonicalBytes());
    }
}
