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
/// annotated with the app and the NB object that installed it, and one verdict.
/// </summary>
static class TraceVerb
{
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
        var format = StatusVerb.FormatOption();
        var command = new Command("trace", "Explain a packet's path: logical topology (network, router, security group, NAT) and the OpenFlow pipeline.")
        {
            from, to, proto, dport, sport, src, icmpType, icmpCode, dstMac, ovsdb, unixctl, rundir, logicalOnly, format,
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
            if (packet.ProtocolNumber == -1)
            {
                Console.Error.WriteLine($"error: unknown protocol '{packet.Protocol}'");
                return ExitCodes.Usage;
            }
            try
            {
                NbSnapshot nb;
                using (var api = await NbConnection.OpenAsync(config, publish: false))
                    nb = await NbSnapshot.ReadAsync(api, ct);
                var logical = LogicalPath.Evaluate(nb, packet);
                var notes = new List<string>();
                OpenFlowResult? openFlow = null;
                var failed = false;
                if (!parse.GetValue(logicalOnly))
                {
                    try
                    {
                        openFlow = await TraceSwitchAsync(nb, logical, packet, config.Host, config.AppsList, config.TunnelTypes, config.IntegrationBridge,
                            parse.GetValue(ovsdb) ?? config.OvsdbConnection, parse.GetValue(unixctl), parse.GetValue(rundir), parse.GetValue(dstMac), notes, ct);
                    }
                    catch (TraceUnavailableException e)
                    {
                        notes.Add("OpenFlow trace not done: " + e.Message);
                        failed = true;
                    }
                }
                var report = new TraceReport((packet with { Source = logical.SourceIp }).ToString(), logical, openFlow, notes);
                Console.WriteLine(parse.GetValue(format) == "json"
                    ? JsonSerializer.Serialize(new { report.Packet, report.Delivered, report.Verdict, report.Disagree, Logical = new { logical.Delivered, logical.Verdict, logical.Steps }, OpenFlow = openFlow, report.Notes }, StatusVerb.Json)
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

    private static async Task<OpenFlowResult> TraceSwitchAsync(NbSnapshot nb, LogicalTrace logical, PacketSpec packet, string localHost,
        IReadOnlyList<string> configApps, IReadOnlyList<string> configTunnels, string configBridge, string ovsdb, string? unixctl, string? rundir,
        string? dstMac, List<string> notes, CancellationToken ct)
    {
        var host = logical.Source.Chassis is { Length: > 0 } bound ? bound : localHost;
        var chassis = nb.Chassis.GetValueOrDefault(host);
        // What that chassis' controller runs, as its heartbeat reported; else this configuration.
        var apps = chassis?.Controller?.Apps is { Count: > 0 } reported ? reported : configApps;
        var tunnels = chassis?.TunnelTypes is { Count: > 0 } t ? t : configTunnels;
        var bridgeName = chassis?.Controller?.IntegrationBridge ?? configBridge;

        IReadOnlyList<OvsInterface> interfaces;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            await using var client = await OvsdbClient.ConnectAsync(ovsdb, cancellationToken: timeout.Token);
            interfaces = await new OpenVSwitchDatabase(client).GetInterfacesAsync(timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or OvsdbException or IOException or System.Net.Sockets.SocketException)
        {
            throw new TraceUnavailableException($"cannot read OVSDB at {ovsdb} ({e.Message})");
        }
        var bridge = OpenFlowPath.BridgePortsOf(interfaces, tunnels);
        if (!bridge.LocalPorts.TryGetValue(logical.Source.Id, out var inPort))
            throw new TraceUnavailableException($"port {logical.Source.Id} is not plugged into the bridge at {ovsdb} (it is bound to {logical.Source.Chassis ?? "no chassis"}); point --ovsdb/--unixctl at that chassis' OVS");

        var mac = dstMac ?? logical.DestinationMac;
        if (mac is null && OpenFlowPath.AnyMacFor(nb, packet.Destination) is { } guess)
        {
            mac = guess;
            notes.Add($"the VM could not resolve a MAC for {packet.Destination}; traced with {guess} (the port holding it) as if it had");
        }
        var flow = OpenFlowPath.FlowSpec(logical, packet, inPort, mac, out var reason)
            ?? throw new TraceUnavailableException(reason + " (give --dst-mac to trace anyway)");

        var args = new List<string>();
        if (unixctl is not null) args.AddRange(["-t", unixctl]);
        args.AddRange(["ofproto/trace", bridgeName, flow]);
        var environment = new Dictionary<string, string>();
        if (rundir is not null) environment["OVS_RUNDIR"] = rundir;
        string text;
        try
        {
            text = await OvsTool.RunAsync("ovs-appctl", args, environment, TimeSpan.FromSeconds(20), ct);
        }
        catch (Exception e) when (e is SandboxException or System.ComponentModel.Win32Exception)
        {
            throw new TraceUnavailableException(e.Message);
        }
        var owners = FlowOwners.Recompute(nb, host, tunnels, apps, bridge);
        return OpenFlowPath.Explain(nb, host, bridgeName, flow, OfprotoTrace.Parse(text), owners, bridge);
    }

    private sealed class TraceUnavailableException(string message) : Exception(message);
}
