using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Pipeline;
using Dragonflow.OpenFlow.Actions;

namespace Dragonflow.Controller.Apps.L3;

/// <summary>
/// l3_proactive: every routable VM's hop is installed ahead of time in table 25, so no packet
/// reaches the controller. Owners: the router and the destination port (its hops).
/// </summary>
public sealed class L3ProactiveApp(ChassisContext context) : L3App(context)
{
    public static readonly AppId AppId = new(4, "l3_proactive");

    public static readonly PriorityBand HopBand = PriorityBand.At(Tables.L3ProactiveLookup, "hop to a VM", Priorities.Medium);

    public override AppContract Contract { get; } = new(AppId, [.. L3Flows.Bands.Router, HopBand]);

    protected override InstructionSet SubnetAction { get; } = InstructionSet.Of(Instruction.Goto(Tables.L3ProactiveLookup));

    public override void OnPortChanged(string portId)
    {
        base.OnPortChanged(portId);
        ComputeHops(portId);
    }

    protected override void OnRouterNetworksChanged(IReadOnlyCollection<string> networks)
    {
        foreach (var net in networks)
            foreach (var port in Context.Nb.PortsOfNetwork(net).ToList()) ComputeHops(port);
    }

    private void ComputeHops(string portId)
    {
        if (PortView.Resolve(Context, portId) is not { } port)
        {
            Clear(FlowOwner.Port(portId));
            return;
        }
        Set(FlowOwner.Port(portId), HopsTo(port).Select(h =>
            L3Flows.Hop(HopBand, HopBand.Priority, h.FromNetworkKey, h.Address, 32, h.Via, port)).ToList());
    }
}
