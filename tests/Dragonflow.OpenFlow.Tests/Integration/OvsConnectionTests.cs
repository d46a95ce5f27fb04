using System.Buffers.Binary;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Connection;
using Dragonflow.OpenFlow.Matching;
using Dragonflow.OpenFlow.Messages;
using Dragonflow.OpenFlow.Protocol;
using Dragonflow.OpenFlow.Tests.Golden;
using Dragonflow.Testing.NorthDb;
using Dragonflow.Testing.Sandbox;

namespace Dragonflow.OpenFlow.Tests.Integration;

/// <summary>Our connection layer against a real ovs-vswitchd (userspace datapath).</summary>
public class OvsConnectionTests(OvsFixture fixture) : IClassFixture<OvsFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData("unix")]
    [InlineData("tcp")]
    public async Task SwitchConnectsAndReportsItsDatapathId(string transport)
    {
        await using var br = await fixture.ConnectBridgeAsync(transport);
        Assert.Equal(br.DatapathId, br.Connection.DatapathId);
        Assert.True(br.Connection.IsConnected);
        await br.Connection.EchoAsync();
        var config = await br.Connection.GetConfigAsync();
        Assert.Equal(0xffff, config.MissSendLen);
        var ports = await br.Connection.GetPortsAsync();
        Assert.Contains(ports, p => p.PortNo == OfpPort.Local && p.Name == br.Name);
        var tables = await br.Connection.GetTableStatsAsync();
        Assert.Equal(254, tables.Count);
        // ovs-vsctl sees the controller connected too.
        await Poll.UntilAsync(() => br.Chassis.Vsctl("get", "controller", br.Name, "is_connected") == "true", Deadline, "controller is_connected");
    }

    [Theory]
    [InlineData("unix")]
    [InlineData("tcp")]
    public async Task TheOtherSpellingOfTheTargetReconnectsToTheSameListenerAndKeepsTheFlows(string transport)
    {
        await using var br = await fixture.ConnectBridgeAsync(transport);
        await br.Connection.SendCheckedAsync(FlowMod.Add(3, 7, Match.All, InstructionSet.Of(Instruction.Goto(4))));

        var respelled = OpenFlowTarget.Respell(br.Listener.Target);
        Assert.NotEqual(br.Listener.Target, respelled);
        br.Chassis.Vsctl("set-controller", br.Name, respelled);

        // vswitchd takes it for a new controller: it drops the old connection and dials at once.
        using var cts = new CancellationTokenSource(Deadline);
        await using var again = await br.Listener.AcceptAsync(cts.Token);
        Assert.Equal(br.DatapathId, again.DatapathId);
        await Poll.UntilAsync(() => !br.Connection.IsConnected, Deadline, "the old connection to close");
        // The bridge had a controller throughout, so it flushed nothing.
        var flows = await again.DumpFlowsAsync();
        Assert.Contains(flows, f => f.TableId == 3 && f.Priority == 7);
    }

    [Fact]
    public async Task FlowsWithEveryMatchAndActionAreInstalledAndReadBack()
    {
        await using var br = await fixture.ConnectBridgeAsync();
        // One flow per (table, priority, match): later golden cases with the same key would replace earlier ones.
        var flows = GoldenCases.All()
            .Where(c => c.Expected.Command == FlowModCommand.Add && !c.Expected.Flags.HasFlag(FlowModFlags.CheckOverlap))
            .Select((c, i) => c.Expected with { Cookie = 0x1000 + (ulong)i })
            .Where(f => !f.Instructions.ToString().Contains("group:"))
            .GroupBy(f => (f.TableId, f.Priority, f.Match))
            .Select(g => g.Last())
            .ToList();
        await br.Connection.SendBatchAsync(flows);

        var stats = await br.Connection.DumpFlowsAsync();
        Assert.Equal(flows.Count, stats.Count);
        foreach (var f in flows)
        {
            var s = Assert.Single(stats, s => s.Cookie == f.Cookie);
            Assert.Equal(f.TableId, s.TableId);
            Assert.Equal(f.Priority, s.Priority);
            Assert.Equal(f.Match.ToString(), s.Match.ToString());
            Assert.Equal(f.Instructions.ToString(), s.Instructions.ToString());
        }

        var text = br.DumpFlows();
        Assert.Equal(flows.Count, text.Split('\n').Count(l => l.Contains("cookie=")));
        Assert.Contains("actions=set_field:0x7->reg7,goto_table:64", text);

        // Filtered flow stats: one table, a cookie mask, a match.
        var t17 = await br.Connection.DumpFlowsAsync(new FlowStatsRequest { TableId = 17 });
        Assert.Equal(flows.Count(f => f.TableId == 17), t17.Count);
        var one = flows[3];
        var byCookie = await br.Connection.DumpFlowsAsync(new FlowStatsRequest { Cookie = one.Cookie, CookieMask = ulong.MaxValue });
        Assert.Equal(one.Cookie, Assert.Single(byCookie).Cookie);
        var byMatch = await br.Connection.DumpFlowsAsync(new FlowStatsRequest { TableId = 64, Match = Match.Of(MatchField.Register(7, 5)) });
        Assert.All(byMatch, s => Assert.Equal(5u, (uint)s.Match.Get(OxmFields.Reg7)!.Value.ValueAsUInt64));
        Assert.NotEmpty(byMatch);

        // Delete by cookie mask removes exactly those flows.
        await br.Connection.SendCheckedAsync(FlowMod.Delete(cookie: one.Cookie, cookieMask: ulong.MaxValue));
        Assert.Equal(flows.Count - 1, (await br.Connection.DumpFlowsAsync()).Count);
    }

    [Fact]
    public async Task ErrorForARequestSurfacesAsAnException()
    {
        await using var br = await fixture.ConnectBridgeAsync();
        // goto_table must go forward: the switch rejects this flow.
        var bad = FlowMod.Add(5, 1, Match.All, InstructionSet.Of(Instruction.Goto(3)));
        var e = await Assert.ThrowsAsync<OpenFlowErrorException>(() => br.Connection.SendCheckedAsync(bad));
        Assert.Contains("BAD_INSTRUCTION", e.Message);
        Assert.Equal(OfpType.FlowMod, e.Error.FailedRequestType);

        // A pipelined batch reports which message failed; the others are installed.
        var good = FlowMod.Add(1, 1, Match.All, InstructionSet.Of(Instruction.Goto(3)));
        var batch = await Assert.ThrowsAsync<OpenFlowBatchException>(() => br.Connection.SendBatchAsync([good, bad, good with { TableId = 2 }]));
        Assert.Equal(1, Assert.Single(batch.Failures).Index);
        Assert.Equal(2, (await br.Connection.DumpFlowsAsync()).Count);
        Assert.True(br.Connection.IsConnected);
    }

    [Fact]
    public async Task BundleIsAllOrNothing()
    {
        await using var br = await fixture.ConnectBridgeAsync();
        var good = Enumerable.Range(1, 20)
            .Select(i => FlowMod.Add(17, 100, Match.Of(MatchField.Metadata(1), MatchField.EthDst(new MacAddress(0x02_00_00_00_00_00UL + (ulong)i))), InstructionSet.Apply([new SetField(MatchField.Register(7, (uint)i))], 64)))
            .ToList();
        var bad = FlowMod.Add(17, 100, Match.All, InstructionSet.Of(Instruction.Goto(3)));

        var e = await Assert.ThrowsAnyAsync<Exception>(() => br.Connection.BundleAsync([.. good.Take(10), bad, .. good.Skip(10)]));
        Assert.True(e is OpenFlowBatchException or OpenFlowErrorException, e.ToString());
        Assert.Empty(await br.Connection.DumpFlowsAsync());
        Assert.DoesNotContain("cookie=", br.DumpFlows());

        await br.Connection.BundleAsync(good);
        Assert.Equal(20, (await br.Connection.DumpFlowsAsync()).Count);
    }

    [Fact]
    public async Task PacketFromAVmArrivesAsPacketInAndPacketOutReachesTheVm()
    {
        await using var br = await fixture.ConnectBridgeAsync();
        using var vm = VmNamespace.Create(br.Chassis, new VmOptions { Mac = "02:00:00:00:00:01", IpCidr = "10.0.0.1/24", Bridge = br.Name, OfportRequest = 7 });
        Assert.Equal(7, vm.Ofport);

        var arps = System.Threading.Channels.Channel.CreateUnbounded<(uint InPort, byte[] Frame)>();
        br.Connection.PacketIn += (_, p) =>
        {
            if (p.Data.Length >= 42 && BinaryPrimitives.ReadUInt16BigEndian(p.Data[12..]) == 0x0806)
                arps.Writer.TryWrite((p.InPort, p.Data.ToArray()));
        };
        await br.Connection.SendCheckedAsync(FlowMod.Add(0, 100, Match.Of(MatchField.InPort(7)), InstructionSet.Apply([Output.ToController()])));

        // The VM resolves a neighbour: its ARP request reaches us as PACKET_IN.
        var ping = vm.Namespace.ExecAsync("ping", ["-c", "1", "-W", "1", "10.0.0.2"]); // gets no reply; only its ARP matters
        using var cts = new CancellationTokenSource(Deadline);
        var (inPort, frame) = await ReadArpAsync(arps, op: 1, cts.Token);
        Assert.Equal(7u, inPort);
        Assert.Equal(MacAddress.Parse("02:00:00:00:00:01"), MacAddress.Read(frame.AsSpan(6)));
        Assert.Equal(new byte[] { 10, 0, 0, 2 }, frame.AsSpan(38, 4).ToArray());

        // We ask the VM who has 10.0.0.1 with PACKET_OUT; its kernel's reply comes back as PACKET_IN.
        var request = ArpRequest(MacAddress.Parse("02:00:00:00:00:fe"), [10, 0, 0, 254], [10, 0, 0, 1]);
        await br.Connection.SendCheckedAsync(PacketOut.Create(request, [new Output(7)]));
        var (_, reply) = await ReadArpAsync(arps, op: 2, cts.Token);
        Assert.Equal(MacAddress.Parse("02:00:00:00:00:fe"), MacAddress.Read(reply));
        Assert.Equal(new byte[] { 10, 0, 0, 1 }, reply.AsSpan(28, 4).ToArray());
        await ping;
    }

    [Fact]
    public async Task PortStatusAndFlowRemovedArriveAsEvents()
    {
        await using var br = await fixture.ConnectBridgeAsync();
        var ports = System.Threading.Channels.Channel.CreateUnbounded<PortStatus>();
        var removed = new TaskCompletionSource<FlowRemoved>();
        br.Connection.PortStatus += (_, p) => ports.Writer.TryWrite(p);
        br.Connection.FlowRemoved += (_, f) => removed.TrySetResult(f);

        var port = br.Chassis.Names.Next('i');
        br.Chassis.Vsctl("add-port", br.Name, port, "--", "set", "interface", port, "type=internal", "ofport_request=9");
        using var cts = new CancellationTokenSource(Deadline);
        PortStatus added;
        do added = await ports.Reader.ReadAsync(cts.Token);
        while (added.Port.Name != port);
        Assert.Equal(PortStatusReason.Add, added.Reason);
        Assert.Equal(9u, added.Port.PortNo);

        var flow = FlowMod.Add(17, 100, Match.Of(MatchField.Metadata(5)), InstructionSet.Apply([new Output(9)]), cookie: 0x77) with { Flags = FlowModFlags.SendFlowRemoved };
        await br.Connection.SendCheckedAsync(flow);
        await br.Connection.SendCheckedAsync(FlowMod.Delete(table: 17));
        var f = await removed.Task.WaitAsync(Deadline);
        Assert.Equal(FlowRemovedReason.Delete, f.Reason);
        Assert.Equal(0x77UL, f.Cookie);
        Assert.Equal(flow.Match, f.Match);
    }

    private static async Task<(uint, byte[])> ReadArpAsync(System.Threading.Channels.Channel<(uint, byte[])> ch, ushort op, CancellationToken ct)
    {
        while (true)
        {
            var item = await ch.Reader.ReadAsync(ct);
            if (BinaryPrimitives.ReadUInt16BigEndian(item.Item2.AsSpan(20)) == op) return item;
        }
    }

    private static byte[] ArpRequest(MacAddress sender, byte[] spa, byte[] tpa)
    {
        var f = new byte[42];
        MacAddress.Broadcast.Write(f);
        sender.Write(f.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), 0x0806);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(14), 1);      // Ethernet
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(16), 0x0800); // IPv4
        f[18] = 6;
        f[19] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(20), 1);      // request
        sender.Write(f.AsSpan(22));
        spa.CopyTo(f, 28);
        tpa.CopyTo(f, 38);
        return f;
    }
}
