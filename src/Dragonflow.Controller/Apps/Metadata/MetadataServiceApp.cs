using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Pipeline;
using Dragonflow.Controller.Topology;
using Dragonflow.Model;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Apps.Metadata;

/// <summary>
/// The metadata service's data path (IPv4). Table 9 sends TCP to 169.254.169.254:80 — after
/// port security, so a VM cannot ask in another's name — to table 12, where the asking port's
/// flow writes the source address that names its key (<see cref="MetadataAddress.ForPortKey"/>)
/// and the proxy interface's MAC and outputs to <see cref="MetadataAddress.InterfaceName"/>.
/// What the proxy sends back enters table 0 on that port, goes to table 13, and the flow of the
/// port its destination names restores the port's own address and MAC and outputs to the
/// port's interface. ARP for 169.254.169.254 is answered, for VMs that take it as on-link.
/// The proxy itself (an HTTP listener, started by the host) reads <see cref="Directory"/>.
///
/// Owners: <see cref="FlowOwner.Pipeline"/>, the port.
/// </summary>
public sealed class MetadataServiceApp(ChassisContext context) : ControllerApp(context)
{
    public static readonly AppId AppId = new(11, AppCatalog.MetadataService);

    private static readonly InternalPort ProxyPort = new(MetadataAddress.InterfaceName);
    private readonly Dictionary<string, uint> _keys = [];

    /// <summary>The priority bands of metadata_service, table by table.</summary>
    public static class Bands
    {
        public static readonly PriorityBand FromProxy = PriorityBand.At(Tables.IngressClassification, "from the metadata proxy", Priorities.Medium, SharedBy.InPort);

        /// <summary>Above dhcp's requests and l2's ARP classification: a different match, kept apart for clarity.</summary>
        public static readonly PriorityBand Requests = PriorityBand.At(Tables.ServicesClassification, "metadata requests", Priorities.VeryHigh);

        public static readonly PriorityBand ServiceArp = PriorityBand.At(Tables.Arp, "metadata address", Priorities.Medium, SharedBy.ArpTarget);

        public static readonly PriorityBand ToProxy = PriorityBand.At(Tables.MetadataService, "local port to the proxy", Priorities.Medium);

        public static readonly PriorityBand Reply = PriorityBand.At(Tables.MetadataServiceReply, "reply to the port", Priorities.Medium);

        public static IReadOnlyList<PriorityBand> All { get; } = [FromProxy, Requests, ServiceArp, ToProxy, Reply];
    }

    public override AppContract Contract { get; } = new(AppId, Bands.All);

    public override AppEvents Handles => AppEvents.Port;

    public override IReadOnlyList<ChassisNeed> Needs => [ProxyPort];

    /// <summary>The local ports the proxy answers, by key.</summary>
    public MetadataDirectory Directory { get; } = new();

    public override void Start() => SetPipeline();

    public override void OnBridgePortsChanged()
    {
        SetPipeline();
        foreach (var id in Context.Bridge.LocalPorts.Keys.Concat(_keys.Keys).Distinct().ToList()) OnPortChanged(id);
    }

    private void SetPipeline()
    {
        var flows = new List<DesiredFlow>
        {
            new(Tables.ServicesClassification, Bands.Requests.Priority,
                Match.Of(MatchField.EthType(EtherTypes.Ipv4), MatchField.IpProto(IpProtocols.Tcp), MatchField.Ip(OxmFields.Ipv4Dst, MetadataAddress.Ipv4),
                    MatchField.Exact(OxmFields.TcpDst, MetadataAddress.Port)),
                InstructionSet.Of(Instruction.Goto(Tables.MetadataService))),
            new(Tables.Arp, Bands.ServiceArp.Priority, Match.Of(ArpReply.RequestFor(MetadataAddress.Ipv4)),
                ArpReply.From(MetadataAddress.Mac, MetadataAddress.Ipv4)),
        };
        if (Context.Bridge.NeededPort(ProxyPort.Name) is { } proxy)
            flows.Add(new(Tables.IngressClassification, Bands.FromProxy.Priority, Match.Of(MatchField.InPort(proxy)),
                InstructionSet.Of(Instruction.Goto(Tables.MetadataServiceReply))));
        Set(FlowOwner.Pipeline, flows);
    }

    public override void OnPortChanged(string portId)
    {
        if (_keys.Remove(portId, out var oldKey)) Directory.Remove(oldKey);
        if (!Context.Bridge.LocalPorts.TryGetValue(portId, out var ofport) || Context.Bridge.NeededPort(ProxyPort.Name) is not { } proxy ||
            PortView.Resolve(Context, portId) is not { } port || port.Ipv4.Count == 0)
        {
            Clear(FlowOwner.Port(portId));
            return;
        }
        if (MetadataAddress.ForPortKey(port.Key) is not { } asker)
        {
            Context.Logger.LogWarning("port {PortId} has key {Key}, which no metadata source address can name; it gets no metadata", portId, port.Key);
            Clear(FlowOwner.Port(portId));
            return;
        }
        var address = port.Ipv4[0];
        _keys[portId] = port.Key;
        Directory.Set(port.Key, new MetadataInstance(portId, port.Port.DeviceId, port.Port.Topic ?? "", address));
        Set(FlowOwner.Port(portId),
        [
            // OpenFlow allows setting nw_src only on a flow that matches IPv4.
            new DesiredFlow(Tables.MetadataService, Bands.ToProxy.Priority, Match.Of(MatchField.InPort(ofport), MatchField.EthType(EtherTypes.Ipv4)),
                InstructionSet.Apply(
                [
                    new SetField(MatchField.Ip(OxmFields.Ipv4Src, asker)),
                    new SetField(MatchField.EthDst(MetadataAddress.Mac)),
                    new Output(proxy),
                ])),
            new DesiredFlow(Tables.MetadataServiceReply, Bands.Reply.Priority,
                Match.Of(MatchField.EthType(EtherTypes.Ipv4), MatchField.Ip(OxmFields.Ipv4Dst, asker)),
                InstructionSet.Apply(
                [
                    new SetField(MatchField.EthSrc(MetadataAddress.Mac)),
                    new SetField(MatchField.EthDst(port.Mac)),
                    new SetField(MatchField.Ip(OxmFields.Ipv4Dst, address)),
                    new Output(ofport),
                ])),
        ]);
    }
}
