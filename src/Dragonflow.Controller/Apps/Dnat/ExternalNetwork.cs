using Dragonflow.Controller.Topology;

namespace Dragonflow.Controller.Apps.Dnat;

/// <summary>
/// How this chassis reaches the external network: [df] external_bridge, patched to br-int, and
/// the physical networks that [df] bridge_mappings ("physnet:bridge", …) maps to it. An
/// external network on another physical network is not NATed here.
/// </summary>
public sealed class ExternalNetwork
{
    private readonly BridgePorts _ports;

    private ExternalNetwork(PatchedBridge bridge, IReadOnlySet<string> physicalNetworks, BridgePorts ports)
    {
        Bridge = bridge;
        PhysicalNetworks = physicalNetworks;
        _ports = ports;
    }

    public static ExternalNetwork Of(ChassisContext context)
    {
        var physnets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var mapping in context.BridgeMappings)
        {
            if (mapping.Split(':') is [var physnet, var bridge] && bridge.Trim() == context.ExternalBridge && physnet.Trim().Length > 0)
                physnets.Add(physnet.Trim());
        }
        return new ExternalNetwork(PatchedBridge.Named(context.ExternalBridge), physnets, context.Bridge);
    }

    /// <summary>The external bridge and its patch pair with br-int.</summary>
    public PatchedBridge Bridge { get; }

    public IReadOnlySet<string> PhysicalNetworks { get; }

    /// <summary>br-int's ofport of the patch to the external bridge; null while there is none.</summary>
    public uint? Patch => _ports.NeededPort(Bridge.IntegrationPatch);
}
