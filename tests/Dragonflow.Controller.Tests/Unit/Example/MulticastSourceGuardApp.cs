using Dragonflow.Controller.Apps;
using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Pipeline;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;

namespace Dragonflow.Controller.Tests.Unit.Example;

/// <summary>
/// The example app of docs/writing-an-app.md, kept with the tests and not in the product's
/// <see cref="AppCatalog"/>: no network card sends from a multicast (group) MAC address, so a
/// frame from a local port whose source MAC has the group bit set is dropped in table
/// EGRESS_PORT_SECURITY. Its one band lies above l2's pass-through and portsec's pass for a
/// port without port security, and below portsec's flows of the ports' own MACs: it decides
/// for ports with port_security_enabled=false (or without portsec), and for a port with port
/// security it drops what portsec would drop anyway (its own MACs are unicast).
///
/// Owners: the port.
/// </summary>
public sealed class MulticastSourceGuardApp(ChassisContext context) : ControllerApp(context)
{
    /// <summary>The app's byte in every flow cookie; no product app uses 100.</summary>
    public static readonly AppId AppId = new(100, "mcast_src_guard");

    /// <summary>The group bit: the least significant bit of the first octet.</summary>
    private const ulong GroupBit = 0x0100_0000_0000UL;

    /// <summary>The priority bands of the app, table by table.</summary>
    public static class Bands
    {
        /// <summary>Table 1 at 150: above l2's pass-through (1) and portsec's pass of a port without port security (100), below portsec's own MACs (200).</summary>
        public static readonly PriorityBand MulticastSource = PriorityBand.At(Tables.EgressPortSecurity, "multicast source", Priorities.Medium + 50);

        public static IReadOnlyList<PriorityBand> All { get; } = [MulticastSource];
    }

    public override AppContract Contract { get; } = new(AppId, Bands.All);

    public override AppEvents Handles => AppEvents.Port;

    public override void OnPortChanged(string portId)
    {
        if (!Context.IsLocal(portId) || PortView.Resolve(Context, portId) is not { } p)
        {
            Clear(FlowOwner.Port(portId));
            return;
        }
        Set(FlowOwner.Port(portId),
        [
            new DesiredFlow(Tables.EgressPortSecurity, Bands.MulticastSource.Priority,
                Match.Of(MatchField.Register(Registers.SourcePort, p.Key), MatchField.Masked(OxmFields.EthSrc, GroupBit, GroupBit)),
                InstructionSet.Drop),
        ]);
    }
}
