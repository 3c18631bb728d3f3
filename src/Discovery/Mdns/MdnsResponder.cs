using Microsoft.Extensions.Logging;
using PeerMesh.Discovery.Dns;

namespace PeerMesh.Discovery.Mdns;

/// <summary>
/// The responder half (RFC 6762 8-10, RFC 6763): probes its unique names, renames on conflict,
/// announces, answers queries with known-answer suppression and per-interface rate limits, and says
/// goodbye. Not thread-safe: every call comes under the discovery lock (see <see cref="MdnsScheduler"/>).
/// </summary>
internal sealed class MdnsResponder
{
    /// <summary>RFC 6762 8.1: after 15 conflicts within 10 s, wait 5 s before probing again.</summary>
    private const int ConflictBurst = 15;

    /// <summary>Delayed unicast answers waiting at once: a link of a few dozen nodes starting together fits.</summary>
    private const int MaxPendingUnicast = 64;

    private readonly MdnsOptions _options;
    private readonly IMdnsTransport _transport;
    private readonly MdnsScheduler _scheduler;
    private readonly MdnsCounters _counters;
    private readonly ILogger _logger;
    private readonly Random _random;
    private readonly List<MdnsOwnedName> _owned = [];
    private readonly Dictionary<(int Interface, string Record), TimeSpan> _lastMulticast = [];
    private readonly Queue<TimeSpan> _recentConflicts = new();
    private readonly Dictionary<int, PendingResponse> _pendingResponses = [];
    private readonly Dictionary<MdnsInterface, List<DnsRecord>> _recordsMemo = [];
    private Dictionary<string, MdnsOwnedName>? _ownedByName;
    private MdnsAdvertisement _advertisement;
    private string _meshHash;
    private int _probeGeneration;
    private int _announceGeneration;
    private int _pendingUnicast;
    private bool _running;

    public MdnsResponder(MdnsOptions options, MdnsAdvertisement advertisement, IMdnsTransport transport, MdnsScheduler scheduler, MdnsCounters counters, ILogger logger, Random random)
    {
        _options = options;
        _advertisement = advertisement;
        _meshHash = MdnsMeshHash.Compute(advertisement.MeshId);
        _transport = transport;
        _scheduler = scheduler;
        _counters = counters;
        _logger = logger;
        _random = random;
        _owned.Add(new MdnsOwnedName(MdnsOwnedNameKind.Host, "host", ""));
        _owned.Add(new MdnsOwnedName(MdnsOwnedNameKind.Node, "node", advertisement.Name));
        SyncRepoNames();
    }

    /// <summary>Our node instance label after conflict handling.</summary>
    public string InstanceLabel => Find("node")!.Label(_advertisement.NodeId);

    public DnsName HostName => Find("host")!.Name(_advertisement.NodeId);

    /// <summary>True once every owned name has been probed and announced.</summary>
    public bool AllEstablished => _owned.All(o => o.Established);

    private uint Ttl => (uint)_options.RecordTtl.TotalSeconds;

    private TimeSpan Now => MdnsClock.Now(_scheduler.Time);

    public void Start()
    {
        _running = true;
        StartProbing(RandomDelay(TimeSpan.Zero, _options.ProbeInitialDelayMax));
    }

    /// <summary>Sends goodbyes (TTL 0) for everything announced, on every interface.</summary>
    public void Stop()
    {
        if (!_running)
        {
            return;
        }

        _running = false;
        _probeGeneration++;
        _announceGeneration++;
        foreach (var networkInterface in _transport.Interfaces)
        {
            var records = EstablishedRecords(networkInterface).Select(r => r.WithTtl(0)).ToList();
            SendMulticast(networkInterface, DnsMessage.Response(records));
        }
    }

    public void Update(MdnsAdvertisement advertisement)
    {
        var before = _transport.Interfaces.ToDictionary(i => i.Index, EstablishedRecords);
        _advertisement = advertisement;
        InvalidateNames();
        _meshHash = MdnsMeshHash.Compute(advertisement.MeshId);
        var node = Find("node")!;
        var needsProbe = false;
        if (node.BaseLabel != advertisement.Name)
        {
            node.BaseLabel = advertisement.Name;
            node.Attempt = 1;
            node.Established = false;
            needsProbe = true;
        }

        needsProbe |= SyncRepoNames();
        InvalidateNames();
        if (!_running)
        {
            return;
        }

        // Goodbye for what is no longer ours (changed unique records are replaced by the cache-flush announcement);
        // only what is new on the wire is announced: one repository added to 256 does not announce the 256 again, and a
        // new refs digest, say, changes nothing here. Compared by key: with many repositories these lists are long.
        var fresh = new HashSet<string>(StringComparer.Ordinal);
        foreach (var networkInterface in _transport.Interfaces)
        {
            var was = before.GetValueOrDefault(networkInterface.Index, []);
            var now = EstablishedRecords(networkInterface);
            var nowKeys = now.Select(MdnsRecordBuilder.Key).ToHashSet(StringComparer.Ordinal);
            var wasKeys = was.Select(MdnsRecordBuilder.Key).ToHashSet(StringComparer.Ordinal);
            var replaced = now.Where(r => r.CacheFlush).Select(r => (r.Name.ToKey(), r.Type)).ToHashSet();
            var gone = was
                .Where(r => !nowKeys.Contains(MdnsRecordBuilder.Key(r)) && !(r.CacheFlush && replaced.Contains((r.Name.ToKey(), r.Type))))
                .Select(r => r.WithTtl(0))
                .ToList();
            if (gone.Count > 0)
            {
                SendMulticast(networkInterface, DnsMessage.Response(gone));
            }

            fresh.UnionWith(nowKeys.Where(k => !wasKeys.Contains(k)));
        }

        if (needsProbe)
        {
            StartProbing(RandomDelay(TimeSpan.Zero, _options.ProbeInitialDelayMax));
        }

        if (fresh.Count > 0)
        {
            StartAnnouncing(fresh);
        }
    }

    /// <summary>A new interface (or new addresses) gets the announcements too.</summary>
    public void OnInterfacesChanged()
    {
        if (_running && _owned.Any(o => o.Established))
        {
            StartAnnouncing();
        }
    }

    /// <summary>Records announced on an interface right now (for tests and the benchmark).</summary>
    public List<DnsRecord> EstablishedRecords(MdnsInterface networkInterface)
    {
        // Memoised per interface (addresses included in the key) until a name or the advertisement changes:
        // every received query needs them.
        if (!_recordsMemo.TryGetValue(networkInterface, out var records))
        {
            // Each repository instance brings the same service type PTR (to _git._tcp): said once.
            records = _owned.Where(o => o.Established).SelectMany(o => Records(o, networkInterface)).DistinctBy(MdnsRecordBuilder.Key).ToList();
            if (_recordsMemo.Count > 64)
            {
                _recordsMemo.Clear();
            }

            _recordsMemo[networkInterface] = records;
        }

        return records.ToList();
    }

    public void OnQuery(DnsMessage query, MdnsPacket packet, MdnsInterface networkInterface)
    {
        if (!_running)
        {
            return;
        }

        if (query.Authorities.Count > 0 && !TieBreak(query, networkInterface))
        {
            return;
        }

        // RFC 6762 7.1: known-answer suppression, when the querier's copy has at least half our TTL left.
        var known = KnownAnswers(query);
        if (query.Questions.Count == 0)
        {
            // RFC 6762 7.2: the rest of a truncated query's known answers; they trim the response waiting for them.
            if (known.Count > 0 && _pendingResponses.TryGetValue(networkInterface.Index, out var waiting) && Equals(waiting.TruncatedFrom, packet.Source))
            {
                waiting.Answers.RemoveAll(r => IsKnown(known, r));
                waiting.Additionals.RemoveAll(r => IsKnown(known, r));
            }

            return;
        }

        var own = EstablishedRecords(networkInterface);
        var byName = own.ToLookup(r => r.Name.ToKey());
        var answers = new List<DnsRecord>();
        var chosen = new HashSet<string>(StringComparer.Ordinal);
        void Answer(DnsRecord record)
        {
            if (chosen.Add(MdnsRecordBuilder.Key(record)))
            {
                answers.Add(record);
            }
        }

        foreach (var question in query.Questions)
        {
            if (question.Class is not DnsRecord.ClassIn and not 255)
            {
                continue;
            }

            var named = byName[question.Name.ToKey()].ToList();
            foreach (var record in named)
            {
                if (question.Type == DnsRecordType.Any || question.Type == record.Type)
                {
                    Answer(record);
                }
            }

            // RFC 6762 6.1: an address query for our host in a family it lacks gets the NSEC as a
            // definite negative answer.
            if (question.Type is DnsRecordType.A or DnsRecordType.Aaaa && !named.Any(r => r.Type == question.Type))
            {
                foreach (var nsec in named.Where(r => r.Type == DnsRecordType.Nsec))
                {
                    Answer(nsec);
                }
            }
        }

        answers.RemoveAll(r => IsKnown(known, r));
        if (answers.Count == 0)
        {
            return;
        }

        var additionals = Additionals(answers, byName).Where(r => !IsKnown(known, r)).ToList();
        if (packet.Source.Port != _options.Port)
        {
            // RFC 6762 6.7: a legacy one-shot resolver gets a conventional unicast reply: its id and
            // question, no cache-flush bits, TTL at most 10 s.
            var legacy = new DnsMessage(
                query.Id,
                DnsMessage.ResponseFlag | DnsMessage.AuthoritativeFlag,
                query.Questions,
                answers.Select(r => r with { CacheFlush = false, Ttl = Math.Min(r.Ttl, 10) }).ToList(),
                [],
                additionals.Select(r => r with { CacheFlush = false, Ttl = Math.Min(r.Ttl, 10) }).ToList());
            SendUnicast(networkInterface, packet, legacy);
            return;
        }

        // RFC 6762 5.4: QU questions are answered by unicast, unless the record has not been multicast
        // on this interface within a quarter of its TTL (then everyone benefits from a multicast).
        var now = Now;
        var wantsUnicast = query.Questions.All(q => q.UnicastResponse);
        if (wantsUnicast && answers.All(r => _lastMulticast.TryGetValue((networkInterface.Index, MdnsRecordBuilder.Key(r)), out var at) && now - at < TimeSpan.FromSeconds(r.Ttl / 4.0)))
        {
            AnswerByUnicast(networkInterface, packet, answers, additionals);
            return;
        }

        // RFC 6762 6: at most one multicast of a record per second per interface; 250 ms to defend a probe.
        var limit = query.Authorities.Count > 0 ? TimeSpan.FromTicks(Math.Min(_options.MulticastRateLimit.Ticks, TimeSpan.FromMilliseconds(250).Ticks)) : _options.MulticastRateLimit;
        var limited = answers.RemoveAll(r => _lastMulticast.TryGetValue((networkInterface.Index, MdnsRecordBuilder.Key(r)), out var at) && now - at < limit);
        if (limited > 0)
        {
            _counters.Drop("answer rate-limited");
        }

        if (answers.Count == 0)
        {
            return;
        }

        if (answers.All(r => r.CacheFlush))
        {
            SendMulticast(networkInterface, DnsMessage.Response(answers, additionals));
            return;
        }

        // RFC 6762 6: shared answers wait 20-120 ms so responses aggregate; queries arriving meanwhile
        // (several browsers refreshing at once) join the pending response instead of adding one.
        var index = networkInterface.Index;
        if (_pendingResponses.TryGetValue(index, out var pending))
        {
            pending.Answers.AddRange(answers.Where(r => !pending.Answers.Any(p => p.IsSameRecord(r))));
            pending.Additionals.AddRange(additionals.Where(r => !pending.Additionals.Any(p => p.IsSameRecord(r))));
            return;
        }

        // RFC 6762 7.2: a truncated query's known answers continue in the next packets: wait 400-500 ms for them.
        var truncated = query.IsTruncated;
        _pendingResponses[index] = new PendingResponse(answers, additionals, truncated ? packet.Source : null);
        var delay = truncated
            ? RandomDelay(TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(500))
            : RandomDelay(_options.SharedResponseDelayMin, _options.SharedResponseDelayMax);
        _scheduler.Schedule(delay, () =>
        {
            var current = _transport.Interfaces.FirstOrDefault(i => i.Index == index);
            if (!_pendingResponses.Remove(index, out var due) || !_running || current is null)
            {
                return;
            }

            var at = Now;
            var stillOwn = EstablishedRecords(current).Select(MdnsRecordBuilder.Key).ToHashSet(StringComparer.Ordinal);
            var fresh = due.Answers
                .Where(r => stillOwn.Contains(MdnsRecordBuilder.Key(r)))
                .Where(r => !(_lastMulticast.TryGetValue((index, MdnsRecordBuilder.Key(r)), out var last) && at - last < _options.MulticastRateLimit))
                .ToList();
            if (fresh.Count > 0)
            {
                var freshKeys = fresh.Select(MdnsRecordBuilder.Key).ToHashSet(StringComparer.Ordinal);
                SendMulticast(current, DnsMessage.Response(fresh, due.Additionals.Where(r => !freshKeys.Contains(MdnsRecordBuilder.Key(r))).ToList()));
            }
        });
    }

    /// <summary>
    /// The unicast answer to a QU question. Unique records alone go at once (RFC 6762 6: nobody else answers them); a shared
    /// one (our PTR of <c>_peermesh._udp</c>, which every node answers) waits 20-120 ms like a multicast one: the RFC asks
    /// for that delay "in any case where there may be multiple responses", and a starting node's QU query gets one from
    /// every node on the link. At most <see cref="MaxPendingUnicast"/> wait at once; more are dropped and counted
    /// (each source is already limited, so only many sources can get here).
    /// </summary>
    private void AnswerByUnicast(MdnsInterface networkInterface, MdnsPacket query, List<DnsRecord> answers, List<DnsRecord> additionals)
    {
        if (answers.All(r => r.CacheFlush))
        {
            SendUnicast(networkInterface, query, DnsMessage.Response(answers, additionals));
            return;
        }

        if (_pendingUnicast >= MaxPendingUnicast)
        {
            _counters.Drop("unicast answers pending");
            return;
        }

        _pendingUnicast++;
        var index = networkInterface.Index;
        _scheduler.Schedule(RandomDelay(_options.SharedResponseDelayMin, _options.SharedResponseDelayMax), () =>
        {
            _pendingUnicast--;
            var current = _transport.Interfaces.FirstOrDefault(i => i.Index == index);
            if (!_running || current is null)
            {
                return;
            }

            // What changed meanwhile (a rename, a removed repository) is not answered.
            var own = EstablishedRecords(current).Select(MdnsRecordBuilder.Key).ToHashSet(StringComparer.Ordinal);
            var still = answers.Where(r => own.Contains(MdnsRecordBuilder.Key(r))).ToList();
            if (still.Count > 0)
            {
                SendUnicast(current, query, DnsMessage.Response(still, additionals.Where(r => own.Contains(MdnsRecordBuilder.Key(r))).ToList()));
            }
        });
    }

    /// <summary>Looks for records that conflict with names we probe or own (RFC 6762 8.1, 9).</summary>
    public void OnResponse(DnsMessage response)
    {
        if (!_running)
        {
            return;
        }

        foreach (var record in response.Answers.Concat(response.Additionals))
        {
            if (!OwnedByName().TryGetValue(record.Name.ToKey(), out var owned))
            {
                continue;
            }

            var ours = _transport.Interfaces.SelectMany(i => Records(owned, i)).ToList();
            if (ours.Any(o => o.IsSameRecord(record)))
            {
                continue;
            }

            var conflicting = owned.Established
                ? record.Ttl > 0 && ours.Any(o => o.Type == record.Type && o.Class == record.Class)
                : record.Type is not DnsRecordType.Nsec;
            if (conflicting)
            {
                Conflict(owned);
                return;
            }
        }
    }

    private List<DnsRecord> Records(MdnsOwnedName owned, MdnsInterface networkInterface) =>
        MdnsRecordBuilder.Build(owned, _advertisement, HostName, _meshHash, networkInterface, Ttl);

    /// <summary>RFC 6763 12: with a PTR come its SRV and TXT; with an SRV the host's addresses.</summary>
    private static List<DnsRecord> Additionals(List<DnsRecord> answers, ILookup<string, DnsRecord> own)
    {
        var result = new List<DnsRecord>();
        var taken = answers.Select(MdnsRecordBuilder.Key).ToHashSet(StringComparer.Ordinal);
        void Add(DnsRecord r)
        {
            if (taken.Add(MdnsRecordBuilder.Key(r)))
            {
                result.Add(r);
            }
        }

        var srvTargets = new List<DnsName>();
        foreach (var answer in answers)
        {
            if (answer.Data is PtrRecordData ptr)
            {
                foreach (var r in own[ptr.Target.ToKey()].Where(r => r.Type is DnsRecordType.Srv or DnsRecordType.Txt))
                {
                    Add(r);
                    if (r.Data is SrvRecordData s)
                    {
                        srvTargets.Add(s.Target);
                    }
                }
            }
            else if (answer.Data is SrvRecordData srv)
            {
                srvTargets.Add(srv.Target);
            }
            else if (answer.Data is AddressRecordData or NsecRecordData)
            {
                // RFC 6762 6.2: with one family's address records (or the NSEC denying one) come the
                // host's other address records and its NSEC.
                srvTargets.Add(answer.Name);
            }
        }

        foreach (var target in srvTargets.DistinctBy(t => t.ToKey()))
        {
            foreach (var r in own[target.ToKey()].Where(r => r.Type is DnsRecordType.A or DnsRecordType.Aaaa or DnsRecordType.Nsec))
            {
                Add(r);
            }
        }

        return result;
    }

    /// <summary>The querier's known answers worth suppressing ours for (at least half our TTL left), by record key with the longest TTL.</summary>
    private static Dictionary<string, uint> KnownAnswers(DnsMessage query)
    {
        var known = new Dictionary<string, uint>(StringComparer.Ordinal);
        foreach (var record in query.Answers)
        {
            var key = MdnsRecordBuilder.Key(record);
            known[key] = Math.Max(known.GetValueOrDefault(key), record.Ttl);
        }

        return known;
    }

    private static bool IsKnown(Dictionary<string, uint> known, DnsRecord record) =>
        known.TryGetValue(MdnsRecordBuilder.Key(record), out var ttl) && ttl >= record.Ttl / 2;

    /// <summary>
    /// RFC 6762 8.2 simultaneous probe tie-break. Returns false when the query was a probe we must
    /// yield to (we then probe again in a second).
    /// </summary>
    private bool TieBreak(DnsMessage query, MdnsInterface networkInterface)
    {
        foreach (var owned in _owned.Where(o => !o.Established))
        {
            var name = owned.Name(_advertisement.NodeId);
            var theirs = query.Authorities.Where(r => r.Name.Equals(name)).ToList();
            if (theirs.Count == 0)
            {
                continue;
            }

            var ours = Records(owned, networkInterface).Where(r => r.Name.Equals(name)).ToList();
            ours.Sort(MdnsRecordBuilder.CompareForTieBreak);
            theirs.Sort(MdnsRecordBuilder.CompareForTieBreak);
            var cmp = 0;
            for (var i = 0; i < Math.Min(ours.Count, theirs.Count) && cmp == 0; i++)
            {
                cmp = MdnsRecordBuilder.CompareForTieBreak(ours[i], theirs[i]);
            }

            if (cmp == 0)
            {
                cmp = ours.Count.CompareTo(theirs.Count);
            }

            if (cmp < 0)
            {
                // We lost: the other host probes on; we try again after a second, when it will defend.
                StartProbing(TimeSpan.FromSeconds(1));
                return false;
            }
        }

        return true;
    }

    private void Conflict(MdnsOwnedName owned)
    {
        var oldName = owned.Name(_advertisement.NodeId).ToString();
        owned.Attempt++;
        owned.Established = false;
        InvalidateNames();
        _logger.NameConflict(oldName, owned.Name(_advertisement.NodeId).ToString());
        var now = Now;
        _recentConflicts.Enqueue(now);
        while (_recentConflicts.Count > 0 && now - _recentConflicts.Peek() > TimeSpan.FromSeconds(10))
        {
            _recentConflicts.Dequeue();
        }

        StartProbing(_recentConflicts.Count >= ConflictBurst ? TimeSpan.FromSeconds(5) : TimeSpan.Zero);
    }

    private void StartProbing(TimeSpan delay)
    {
        var generation = ++_probeGeneration;
        var sent = 0;
        void Step()
        {
            if (!_running || generation != _probeGeneration)
            {
                return;
            }

            var probing = _owned.Where(o => !o.Established).ToList();
            if (probing.Count == 0)
            {
                return;
            }

            if (sent < _options.ProbeCount)
            {
                sent++;
                foreach (var networkInterface in _transport.Interfaces)
                {
                    SendProbe(networkInterface, probing);
                }

                _scheduler.Schedule(_options.ProbeInterval, Step);
                return;
            }

            InvalidateNames();
            var established = new HashSet<string>(StringComparer.Ordinal);
            foreach (var owned in probing)
            {
                owned.Established = true;
                _logger.NameEstablished(owned.Name(_advertisement.NodeId).ToString());
                foreach (var networkInterface in _transport.Interfaces)
                {
                    established.UnionWith(Records(owned, networkInterface).Select(MdnsRecordBuilder.Key));
                }
            }

            // Only the names just established: the others were announced when they were.
            StartAnnouncing(established);
        }

        _scheduler.Schedule(delay, Step);
    }

    /// <summary>
    /// Probes for <paramref name="probing"/>: a question per name with its proposed records in the same packet, as many
    /// names per packet as fit <see cref="MdnsOptions.MaxPacketBytes"/> (256 repositories need several packets).
    /// </summary>
    private void SendProbe(MdnsInterface networkInterface, List<MdnsOwnedName> probing)
    {
        var questions = new List<DnsQuestion>();
        var authorities = new List<DnsRecord>();
        var size = DnsMessageEncoder.HeaderLength;
        foreach (var owned in probing)
        {
            var name = owned.Name(_advertisement.NodeId);
            var question = new DnsQuestion(name, DnsRecordType.Any, UnicastResponse: true);
            var proposed = Records(owned, networkInterface).Where(r => r.Name.Equals(name)).Select(r => r with { CacheFlush = false }).ToList();

            // Without name compression across names: an upper bound of what this name adds to a packet.
            var cost = DnsMessageEncoder.Encode(DnsMessage.Query([question], authorities: proposed)).Length - DnsMessageEncoder.HeaderLength;
            if (questions.Count > 0 && size + cost > _options.MaxPacketBytes)
            {
                Send(networkInterface, DnsMessage.Query(questions, authorities: authorities), multicast: true, null);
                questions = [];
                authorities = [];
                size = DnsMessageEncoder.HeaderLength;
            }

            questions.Add(question);
            authorities.AddRange(proposed);
            size += cost;
        }

        if (questions.Count > 0)
        {
            Send(networkInterface, DnsMessage.Query(questions, authorities: authorities), multicast: true, null);
        }
    }

    /// <param name="only">
    /// Keys (<see cref="MdnsRecordBuilder.Key"/>) of the records to announce; null = everything we own (at start, on a
    /// new interface; such an announcement replaces the previous full one). A partial announcement runs on its own.
    /// </param>
    private void StartAnnouncing(HashSet<string>? only = null)
    {
        var generation = only is null ? ++_announceGeneration : _announceGeneration;
        var left = _options.AnnounceCount;
        void Step()
        {
            if (!_running || (only is null && generation != _announceGeneration))
            {
                return;
            }

            foreach (var networkInterface in _transport.Interfaces)
            {
                var records = EstablishedRecords(networkInterface);
                if (only is not null)
                {
                    records.RemoveAll(r => !only.Contains(MdnsRecordBuilder.Key(r)));
                }

                if (records.Count > 0)
                {
                    SendMulticast(networkInterface, DnsMessage.Response(records));
                }
            }

            if (--left > 0)
            {
                _scheduler.Schedule(_options.AnnounceInterval, Step);
            }
        }

        Step();
    }

    private void SendMulticast(MdnsInterface networkInterface, DnsMessage message)
    {
        var now = Now;
        foreach (var r in message.Answers)
        {
            _lastMulticast[(networkInterface.Index, MdnsRecordBuilder.Key(r))] = now;
        }

        if (_lastMulticast.Count > 4096)
        {
            foreach (var key in _lastMulticast.Where(kv => now - kv.Value > _options.RecordTtl).Select(kv => kv.Key).ToList())
            {
                _lastMulticast.Remove(key);
            }
        }

        Send(networkInterface, message, multicast: true, null);
    }

    private void SendUnicast(MdnsInterface networkInterface, MdnsPacket to, DnsMessage message) =>
        Send(networkInterface, message, multicast: false, to);

    private void Send(MdnsInterface networkInterface, DnsMessage message, bool multicast, MdnsPacket? to)
    {
        foreach (var packet in DnsMessageEncoder.EncodeSplit(message, _options.MaxPacketBytes))
        {
            var ok = multicast ? _transport.SendMulticast(networkInterface, packet) : _transport.SendUnicast(networkInterface, to!.Source, packet);
            if (ok)
            {
                _counters.Sent(packet.Length);
            }
            else
            {
                _counters.Drop("send failed");
            }
        }
    }

    /// <summary>Adds and removes repo instance names to match the advertisement. True when a new name needs probing.</summary>
    private bool SyncRepoNames()
    {
        var added = false;
        var wanted = _advertisement.GitPort > 0 ? _advertisement.Repos.Where(r => r.RepoId.Length > 0).DistinctBy(r => r.RepoId).ToList() : [];
        _owned.RemoveAll(o => o.Kind == MdnsOwnedNameKind.Repo && !wanted.Any(r => "repo:" + r.RepoId == o.Key));
        foreach (var repo in wanted)
        {
            var baseLabel = $"{repo.Name} @ {_advertisement.Name}";
            var owned = Find("repo:" + repo.RepoId);
            if (owned is null)
            {
                _owned.Add(new MdnsOwnedName(MdnsOwnedNameKind.Repo, "repo:" + repo.RepoId, baseLabel));
                added = true;
            }
            else if (owned.BaseLabel != baseLabel)
            {
                owned.BaseLabel = baseLabel;
                owned.Attempt = 1;
                owned.Established = false;
                added = true;
            }
        }

        return added;
    }

    private MdnsOwnedName? Find(string key) => _owned.FirstOrDefault(o => o.Key == key);

    /// <summary>Our names by their lower-case key: every received record is looked up, and 256 repositories make 258 names.</summary>
    private Dictionary<string, MdnsOwnedName> OwnedByName() =>
        _ownedByName ??= _owned.GroupBy(o => o.Name(_advertisement.NodeId).ToKey()).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

    /// <summary>A name, its state or the advertisement changed: the memoised records and the name index are rebuilt when next needed.</summary>
    private void InvalidateNames()
    {
        _recordsMemo.Clear();
        _ownedByName = null;
    }

    /// <summary>A shared response waiting to aggregate (and, after a truncated query, for the rest of its known answers).</summary>
    private sealed record PendingResponse(List<DnsRecord> Answers, List<DnsRecord> Additionals, System.Net.IPEndPoint? TruncatedFrom);

    private TimeSpan RandomDelay(TimeSpan min, TimeSpan max) =>
        max <= min ? min : min + TimeSpan.FromTicks((long)(_random.NextDouble() * (max - min).Ticks));
}
