using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Pipeline;
using Dragonflow.OpenFlow.Actions;

namespace Dragonflow.Controller.Apps;

/// <summary>
/// l3_proactive: every routable VM's hop is installed ahead of time in table 25, so no packet
/// reaches the controller. Owners: "lrouter:ID" and the destination port id (its hops).
/// </summary>
public sealed class L3ProactiveApp(ChassisContext context) : L3App(context)
{
    public static readonly AppId AppId = new(4, "l3_proactive");

    public override AppId Id => AppId;

    public override IReadOnlySet<byte> Tables { get; } = new HashSet<byte>
    {
        Pipeline.Tables.L2Lookup, Pipeline.Tables.L3Lookup, Pipeline.Tables.L3ProactiveLookup,
    };

    protected override InstructionSet SubnetAction { get; } = InstructionSet.Of(Instruction.Goto(Pipeline.Tables.L3ProactiveLookup));

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
            Clear(portId);
            return;
        }
        Set(portId, HopsTo(port).Select(h =>
            L3Flows.Hop(Pipeline.Tables.L3ProactiveLookup, Priorities.Medium, h.FromNetworkKey, h.Address, 32, h.Via, port)).ToList());
    }
}
