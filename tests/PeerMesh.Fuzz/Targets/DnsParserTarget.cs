using PeerMesh.Discovery.Dns;

namespace PeerMesh.Fuzz.Targets;

/// <summary>
/// DnsMessageParser.TryParse: never throws, a refusal says "malformed: ...", and whatever it accepts can be
/// written again and read back with the same records.
/// </summary>
internal sealed class DnsParserTarget : IFuzzTarget
{
    private List<byte[]> _seeds = [];

    public string Name => "dns";

    public string Description => "DNS message parser and re-encoder (input: a UDP payload)";

    public IEnumerable<byte[]> Seeds() => _seeds;

    public async Task StartAsync() => _seeds = await MdnsSeeds.PacketsAsync();

    public void Run(ReadOnlySpan<byte> input)
    {
        if (!DnsMessageParser.TryParse(input, out var message, out var error))
        {
            if (!error.StartsWith("malformed: ", StringComparison.Ordinal))
            {
                throw new FuzzFindingException($"refusal without the malformed prefix: {error}");
            }

            return;
        }

        var again = DnsMessageEncoder.Encode(message);
        if (!DnsMessageParser.TryParse(again, out var reparsed, out var error2))
        {
            throw new FuzzFindingException($"an accepted message did not read back after re-encoding: {error2}");
        }

        if (reparsed.AllRecords.Count() != message.AllRecords.Count())
        {
            throw new FuzzFindingException($"{message.AllRecords.Count()} records read back as {reparsed.AllRecords.Count()}");
        }
    }
}
