using System.CommandLine;
using System.Net;
using System.Text.Json;
using Dragonflow.Cli.Inspection;
using Dragonflow.Cli.Inspection.Trace;
using Dragonflow.Cli.Sandbox;
using Dragonflow.NorthDb;
using Dragonflow.Ovsdb;
using Dragonflow.Ovsdb.Vswitch;

namespace Dragonflow.Cli.Verbs;

/// <summary>
/// <c>dragonflow trace --from PORT --to IP [--proto tcp --dport 22]</c>: a packet's path through
/// the logical topology (network, router, security group rule, NAT) from the NB objects, then
/// through br-int of the chassis the port is plugged into (ovs-appctl ofproto/trace), each flow
/// annotated with the app and the NB object that installed it, and one verdict. Unless
/// <c>--logical-only</c>, ovs-appctl must be installed: that is checked before NB is read.
/// </summary>
static class TraceVerb
{
    const string Appctl = "ovs-appctl";

    public static Command Create()
    {
        var from = new Option<string>("--from") { Description = "Source port: lport id, unique name or fixed IP.", Required = true };
        var to = new Option<string>("--to") { Description = "Destination IP address.", Required = true };
        var proto = new Option<string>("--proto") { Description = "IP protocol: tcp, udp, icmp, sctp, any or a number.", DefaultValueFactory = _ => "icmp" };
        var dport = new Option<int?>("--dport") { Description = "TCP/UDP/SCTP destination port." };
        var sport = new Option<int?>("--sport") { Description = "TCP/UDP/SCTP source port (default 40000)." };
        var src = new Option<string?>("--src") { Description = "Source address (default: the port's fixed IP)." };
        var icmpType = new Option<int>("--icmp-type") { Description = "ICMP type (default 8, echo request).", DefaultValueFactory = _ => 8 };
        var icmpCode = new Option<int>("--icmp-code") { Description = "ICMP code.", DefaultValueFactory = _ => 0 };
        var dstMac = new Option<string?>("--dst-mac") { Description = "Ethernet destination to trace with (default: what the VM would resolve)." };
        var ovsdb = new Option<string?>("--ovsdb") { Description = "OVSDB of the source port's chassis (default [df] ovsdb_connection)." };
        var unixctl = new Option<string?>("--unixctl") { Description = "ovs-vswitchd control socket of that chassis (ovs-appctl -t; default: its own default)." };
        var rundir = new Option<string?>("--ovs-rundir") { Description = "OVS_RUNDIR for ovs-appctl." };
        var logicalOnly = new Option<bool>("--logical-only") { Description = "Only the logical path (no OVS access)." };
        var chassisOvs = new Option<string[]>("--chassis-ovs")
        {
            Description = "OVS of another chassis, NAME=OVSDB[,UNIXCTL] (repeatable): a packet tunnelled there is traced there too.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var format = StatusVerb.FormatOption();
        var command = new Command("trace", "Explain a packet's path: logical topology (network, router, security group, NAT) and the OpenFlow pipeline.")
        {
            from, to, proto, dport, sport, src, icmpType, icmpCode, dstMac, ovsdb, unixctl, rundir, chassisOvs, logicalOnly, format,
        };
        command.SetAction(async (parse, ct) =>
        {
            var config = GlobalOptions.LoadConfig(parse);
            if (!IPAddress.TryParse(parse.GetValue(to), out var destination))
            {
                Console.Error.WriteLine($"error: --to {parse.GetValue(to)} is not an IP address");
                return ExitCodes.Usage;
            }
            IPAddress? source = null;
            if (parse.GetValue(src) is { } s && !IPAddress.TryParse(s, out source))
            {
                Console.Error.WriteLine($"error: --src {s} is not an IP address");
                return ExitCodes.Usage;
            }
            var packet = new PacketSpec(parse.GetValue(from)!, destination, parse.GetValue(proto)!)
            {
                DestinationPort = parse.GetValue(dport),
                SourcePort = parse.GetValue(sport),
                Source = source,
                IcmpType = parse.GetValue(icmpType),
                IcmpCode = parse.GetValue(icmpCode),
            };
            if (packet.ProtocolNumber == PacketSpec.UnknownProtocol)
            {
                Console.Error.WriteLine($"error: unknown protocol '{packet.Protocol}'");
                return ExitCodes.Usage;
            }
            Dictionary<string, OvsTarget> remotes;
            try
            {
                remotes = ParseRemotes(parse.GetValue(chassisOvs) ?? []);
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.Usage;
            }
            if (!parse.GetValue(logicalOnly)) OvsPrerequisites.RequirePrograms(Appctl);
            try
            {
                NbSnapshot nb;
                using (var api = await NbConnection.OpenAsync(config, publish: false))
                    nb = await NbSnapshot.ReadAsync(api, ct);
                var logical = LogicalPath.Evaluate(nb, packet);
                var notes = new List<string>();
                IReadOnlyList<OpenFlowResult> hops = [];
                var failed = false;
                if (!parse.GetValue(logicalOnly))
                {
                    try
                    {
                        var local = new OvsTarget(parse.GetValue(ovsdb) ?? config.OvsdbConnection, parse.GetValue(unixctl), parse.GetValue(rundir));
                        hops = await TraceSwitchesAsync(nb, logical, packet, config, local, remotes,
                            parse.GetValue(dstMac), notes, ct);
                    }
                    catch (TraceUnavailableException e)
                    {
                        notes.Add("OpenFlow trace not done: " + e.Message);
                        failed = true;
                    }
                }
                var report = new TraceReport((packet with { Source = logical.SourceIp }).ToString(), logical, hops, notes)
                {
                    Inconclusive = DecidedFurther(nb, config, logical, hops, notes),
                };
                Console.WriteLine(parse.GetValue(format) == "json"
                    ? JsonSerializer.Serialize(new { report.Packet, report.Delivered, report.Verdict, report.Disagree, report.Inconclusive, Logical = new { logical.Delivered, logical.Verdict, logical.Steps }, OpenFlow = hops, report.Notes }, StatusVerb.Json)
                    : report.Render());
                return failed ? ExitCodes.Failure : ExitCodes.Ok;
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.Failure;
            }
            catch (NbException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.Failure;
            }
        });
        return command;
    }

    /// <summary>One chassis' OVS as the trace reaches it: its OVSDB and (optionally) its vswitchd control socket and run dir.</summary>
    private sealed record OvsTarget(string Ovsdb, string? Unixctl, string? RunDir);

    /// <summary>Traces on the source port's chassis, then follows a tunnel to every next chassis whose OVS it was given.</summary>
    private static async Task<IReadOnlyList<OpenFlowResult>> TraceSwitchesAsync(NbSnapshot nb, LogicalTrace logical, PacketSpec packet,
        Dragonflow.Configuration.DragonflowConfig config, OvsTarget local, IReadOnlyDictionary<string, OvsTarget> remotes, string? dstMac,
        List<string> notes, CancellationToken ct)
    {
        var host = logical.Source.Chassis is { Length: > 0 } bound ? bound : config.Host;
        var mac = dstMac ?? logical.DestinationMac;
        if (mac is null && OpenFlowPath.AnyMacFor(nb, packet.Destination) is { } guess)
        {
            mac = guess;
            notes.Add($"the VM could not resolve a MAC for {packet.Destination}; traced with {guess} (the port holding it) as if it had");
        }
        var hops = new List<OpenFlowResult>();
        var current = await TraceOnChassisAsync(nb, config, host, local, bridge =>
        {
            if (!bridge.LocalPorts.TryGetValue(logical.Source.Id, out var inPort))
                throw new TraceUnavailableException($"port {logical.Source.Id} is not plugged into the bridge at {local.Ovsdb} (it is bound to {logical.Source.Chassis ?? "no chassis"}); point --ovsdb/--unixctl at that chassis' OVS");
            return OpenFlowPath.FlowSpec(logical, packet, inPort, mac, out var reason)
                ?? throw new TraceUnavailableException(reason + " (give --dst-mac to trace anyway)");
        }, ct);
        hops.Add(current);
        while (hops.Count < 3 && current.Physical is { } physical && current.FinalFlow is { } onWire)
        {
            // Over the physical network: the next chassis' br-int takes the frame from its own patch of the same name.
            var next = physical.Chassis!;
            if (!remotes.TryGetValue(next, out var target))
            {
                notes.Add($"the packet continues on chassis {next}: run trace there, or give --chassis-ovs {next}=OVSDB,UNIXCTL to follow it");
                break;
            }
            try
            {
                current = await TraceOnChassisAsync(nb, config, next, target, bridge =>
                    bridge.NeededPort(physical.Patch) is { } ofport
                        ? OpenFlowPath.PhysicalNextHopFlow(onWire, ofport, physical)
                        : throw new TraceUnavailableException($"chassis {next} has no patch {physical.Patch} to a physical bridge"), ct);
            }
            catch (TraceUnavailableException e)
            {
                notes.Add($"not followed onto chassis {next}: {e.Message}");
                break;
            }
            hops.Add(current);
        }
        while (hops.Count < 3 && current.Tunnel is { } tunnel && current.FinalFlow is { } final)
        {
            if (tunnel.Chassis is not { } next || !remotes.TryGetValue(next, out var target))
            {
                notes.Add($"the packet continues on chassis {tunnel.Chassis ?? tunnel.Destination}: run trace there, or give --chassis-ovs {tunnel.Chassis ?? "NAME"}=OVSDB,UNIXCTL to follow it");
                break;
            }
            var sourceIp = nb.Chassis.GetValueOrDefault(current.Chassis)?.Ip ?? "0.0.0.0";
            try
            {
                current = await TraceOnChassisAsync(nb, config, next, target, bridge =>
                    bridge.TunnelPorts.TryGetValue(tunnel.Type, out var ofport)
                        ? OpenFlowPath.NextHopFlow(final, ofport, tunnel, sourceIp)
                        : throw new TraceUnavailableException($"chassis {next} has no {tunnel.Type} tunnel port"), ct);
            }
            catch (TraceUnavailableException e)
            {
                notes.Add($"not followed onto chassis {next}: {e.Message}");
                break;
            }
            hops.Add(current);
        }
        return hops;
    }

    private static async Task<OpenFlowResult> TraceOnChassisAsync(NbSnapshot nb, Dragonflow.Configuration.DragonflowConfig config, string host,
        OvsTarget target, Func<Dragonflow.Controller.Topology.BridgePorts, string> flowFor, CancellationToken ct)
    {
        var chassis = nb.Chassis.GetValueOrDefault(host);
        // What that chassis' controller runs, as its heartbeat reported; else this configuration.
        var apps = chassis?.Controller?.Apps is { Count: > 0 } reported ? reported : config.AppsList;
        var tunnels = chassis?.TunnelTypes is { Count: > 0 } t ? t : config.TunnelTypes;
        var bridgeName = chassis?.Controller?.IntegrationBridge ?? config.IntegrationBridge;

        IReadOnlyList<OvsInterface> interfaces;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            await using var client = await OvsdbClient.ConnectAsync(target.Ovsdb, cancellationToken: timeout.Token);
            interfaces = await new OpenVSwitchDatabase(client).GetInterfacesAsync(bridgeName, timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or OvsdbException or IOException or System.Net.Sockets.SocketException)
        {
            throw new TraceUnavailableException($"cannot read OVSDB of {host} at {target.Ovsdb} ({e.Message})");
        }
        var bridge = OpenFlowPath.BridgePortsOf(interfaces, tunnels);
        var flow = flowFor(bridge);

        var args = new List<string>();
        if (target.Unixctl is not null) args.AddRange(["-t", target.Unixctl]);
        args.AddRange(["ofproto/trace", bridgeName, flow]);
        var environment = new Dictionary<string, string>();
        if (target.RunDir is not null) environment["OVS_RUNDIR"] = target.RunDir;
        string text;
        try
        {
            text = await OvsTool.RunAsync(Appctl, args, environment, TimeSpan.FromSeconds(20), ct);
        }
        catch (SandboxException e)
        {
            throw new TraceUnavailableException(e.Message);
        }
        var owners = FlowOwners.Recompute(nb, host, tunnels, apps, bridge, config.ExternalBridge, config.BridgeMappings);
        return OpenFlowPath.Explain(nb, host, bridgeName, flow, OfprotoTrace.Parse(text), owners, bridge);
    }

    /// <summary>
    /// True when the trace ended in a tunnel to the chassis whose ingress security group the
    /// logical path says drops the packet, and that chassis runs the sg app: the drop happens
    /// there, past what was traced (a note says how to follow it). When it does not run the sg
    /// app, nothing enforces the group: a note says so, and the disagreement stands.
    /// </summary>
    private static bool DecidedFurther(NbSnapshot nb, Dragonflow.Configuration.DragonflowConfig config, LogicalTrace logical,
        IReadOnlyList<OpenFlowResult> hops, List<string> notes)
    {
        if (hops.Count == 0 || hops[^1] is not { Forwarded: true, Tunnel: { } tunnel } || logical.Delivered) return false;
        if (logical.Steps.LastOrDefault() is not { Passed: false, Stage: "ingress security group" }) return false;
        var there = tunnel.Chassis ?? tunnel.Destination;
        var apps = nb.Chassis.GetValueOrDefault(there)?.Controller?.Apps is { Count: > 0 } reported ? reported : config.AppsList;
        if (!apps.Contains(Dragonflow.Controller.Apps.SecurityGroups.SecurityGroupApp.AppId.Name))
        {
            notes.Add($"chassis {there} does not run the sg app: security groups are not enforced there");
            return false;
        }
        notes.Add($"the ingress security group is checked on chassis {there}, past this trace (its sg app drops there what the logical path drops): not a disagreement");
        return true;
    }

    /// <summary>--chassis-ovs NAME=OVSDB[,UNIXCTL] values by chassis name.</summary>
    private static Dictionary<string, OvsTarget> ParseRemotes(IEnumerable<string> values)
    {
        var remotes = new Dictionary<string, OvsTarget>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            var eq = value.IndexOf('=');
            if (eq <= 0 || eq == value.Length - 1) throw new ArgumentException($"--chassis-ovs {value}: expected NAME=OVSDB[,UNIXCTL]");
            var rest = value[(eq + 1)..];
            var comma = rest.IndexOf(',');
            remotes[value[..eq]] = comma < 0 ? new OvsTarget(rest, null, null) : new OvsTarget(rest[..comma], rest[(comma + 1)..], null);
        }
        return remotes;
    }

    private sealed class TraceUnavailableException(string message) : Exception(message);
}
