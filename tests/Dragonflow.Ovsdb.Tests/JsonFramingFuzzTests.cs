using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Dragonflow.Ovsdb.Data;
using Dragonflow.Ovsdb.Monitoring;
using Dragonflow.Ovsdb.Rpc;

namespace Dragonflow.Ovsdb.Tests;

/// <summary>
/// The decoding path (framing, JSON-RPC, datums, monitor updates) fed valid streams in
/// fragments, and random and mutated bytes: it either yields messages or raises
/// OvsdbProtocolException (which resets the connection) — nothing else, and never hangs.
/// </summary>
public class JsonFramingFuzzTests
{
    private static readonly string[] ValidMessages =
    {
        "{\"method\":\"echo\",\"params\":[],\"id\":\"echo\"}",
        "{\"id\":1,\"result\":[\"Open_vSwitch\",\"_Server\"],\"error\":null}",
        "{\"id\":2,\"result\":[{\"uuid\":[\"uuid\",\"6a1c3e1c-4b8e-4b0e-9d6e-2f0a1e3c4d5e\"]},{\"count\":1},{\"error\":\"constraint violation\",\"details\":\"dup \\\"name\\\" {}\"}],\"error\":null}",
        "{\"method\":\"update2\",\"params\":[\"m1\",{\"Interface\":{\"6a1c3e1c-4b8e-4b0e-9d6e-2f0a1e3c4d5e\":{\"insert\":{\"name\":\"tap1\",\"ofport\":3,\"external_ids\":[\"map\",[[\"iface-id\",\"p-1\"],[\"attached-mac\",\"fa:16:3e:00:00:01\"]]]}}}}],\"id\":null}",
        "{\"method\":\"update2\",\"params\":[\"m1\",{\"Interface\":{\"6a1c3e1c-4b8e-4b0e-9d6e-2f0a1e3c4d5e\":{\"modify\":{\"ofport\":[\"set\",[3,4]],\"external_ids\":[\"map\",[[\"iface-id\",\"p-1\"]]]}}}}],\"id\":null}",
        "{\"method\":\"update2\",\"params\":[\"m1\",{\"Interface\":{\"6a1c3e1c-4b8e-4b0e-9d6e-2f0a1e3c4d5e\":{\"delete\":null}}}],\"id\":null}",
        "{\"id\":3,\"result\":null,\"error\":{\"error\":\"unknown database\",\"details\":\"x\"}}",
        "  \n{\"method\":\"update\",\"params\":[\"m1\",{\"Interface\":{\"7a1c3e1c-4b8e-4b0e-9d6e-2f0a1e3c4d5e\":{\"new\":{\"name\":\"a{b}[c]\\\\\"}}}}],\"id\":null}\r\n",
    };

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    public void ValidStreamSplitIntoFragmentsYieldsEveryMessage(int fragment)
    {
        var stream = Encoding.UTF8.GetBytes(string.Concat(ValidMessages));
        var splitter = new JsonFrameSplitter();
        var parsed = new List<string>();
        for (var i = 0; i < stream.Length; i += fragment)
        {
            splitter.Append(stream.AsSpan(i, Math.Min(fragment, stream.Length - i)));
            while (splitter.TryReadMessage(out var m)) parsed.Add(JsonNode.Parse(m.Span)!.ToJsonString());
        }
        Assert.Equal(ValidMessages.Select(m => JsonNode.Parse(m)!.ToJsonString()), parsed);
        Assert.Equal(0, splitter.Pending);
    }

    [Fact]
    public void OversizedMessageIsRejectedInsteadOfBufferedForever()
    {
        var splitter = new JsonFrameSplitter(maxMessageBytes: 1024);
        splitter.Append(Encoding.UTF8.GetBytes("{\"a\":\"" + new string('x', 2000)));
        Assert.Throws<OvsdbProtocolException>(() => splitter.TryReadMessage(out _));
    }

    [Fact]
    public void RandomAndMutatedInputNeverThrowsAnythingButProtocolErrors()
    {
        // Fixed seed for reproducibility; DF_FUZZ_SEED explores others.
        var random = new Random(int.TryParse(Environment.GetEnvironmentVariable("DF_FUZZ_SEED"), out var seed) ? seed : 7047);
        var client = new OvsdbClient("unix:/nonexistent/never-started.sock");
        var schema = DatabaseSchema.FromJson(JsonNode.Parse(File.ReadAllText("/usr/share/openvswitch/vswitch.ovsschema")));
        var corpus = ValidMessages.Select(Encoding.UTF8.GetBytes).ToArray();
        var watch = Stopwatch.StartNew();
        int messages = 0, resets = 0;

        for (var iteration = 0; iteration < 20_000; iteration++)
        {
            var monitor = new OvsdbMonitor(client, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, "Open_vSwitch", "m1",
                new[] { new MonitorRequest("Interface", new[] { "name", "ofport", "external_ids" }) }, iteration % 2 == 0, schema);
            var input = iteration % 5 == 0 ? RandomBytes(random) : Mutate(random, corpus);
            var splitter = new JsonFrameSplitter(maxMessageBytes: 4096);
            try
            {
                for (var i = 0; i < input.Length;)
                {
                    var n = Math.Min(random.Next(1, 65), input.Length - i);
                    splitter.Append(input.AsSpan(i, n));
                    i += n;
                    while (splitter.TryReadMessage(out var frame))
                    {
                        var message = JsonRpcMessage.Parse(frame);
                        messages++;
                        if (message.Kind == JsonRpcMessageKind.Notification && message.Method is "update" or "update2" && message.Params!.Count >= 2)
                            monitor.ApplyNotification(message.Params[1]);
                        else if (message.Kind == JsonRpcMessageKind.Response && message.Result is JsonObject)
                            monitor.ApplyInitial(message.Result);
                    }
                }
            }
            catch (OvsdbProtocolException)
            {
                resets++;
            }
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"fuzzing took {watch.Elapsed}");
        Assert.True(messages > 1000 && resets > 1000, $"messages {messages}, resets {resets}: the corpus should exercise both paths");
    }

    private static byte[] RandomBytes(Random r)
    {
        var b = new byte[r.Next(0, 300)];
        r.NextBytes(b);
        // Bias towards JSON punctuation so the scanner's states get visited.
        const string punct = "{}[]\":,\\ ";
        for (var i = 0; i < b.Length; i++)
            if (r.Next(2) == 0) b[i] = (byte)punct[r.Next(punct.Length)];
        return b;
    }

    private static byte[] Mutate(Random r, byte[][] corpus)
    {
        var list = new List<byte>();
        for (var i = r.Next(1, 4); i > 0; i--) list.AddRange(corpus[r.Next(corpus.Length)]);
        for (var m = r.Next(0, 4); m > 0 && list.Count > 0; m--)
        {
            var at = r.Next(list.Count);
            switch (r.Next(5))
            {
                case 0: list[at] = (byte)r.Next(256); break;                                  // flip
                case 1: list.Insert(at, (byte)"{}[]\",:\\"[r.Next(8)]); break;                 // insert punctuation
                case 2: list.RemoveRange(at, Math.Min(r.Next(1, 20), list.Count - at)); break; // delete a run
                case 3: list.RemoveRange(at, list.Count - at); break;                          // truncate
                case 4: list.InsertRange(at, list.GetRange(at, Math.Min(r.Next(1, 30), list.Count - at))); break; // duplicate
            }
        }
        return list.ToArray();
    }
}
