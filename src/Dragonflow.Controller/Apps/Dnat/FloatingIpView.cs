using System.Net.Sockets;
using System.Net;
using Dragonflow.Controller.Apps.L3;
using Dragonflow.Model;
using Dragonflow.OpenFlow.Matching;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Apps.Dnat;

/// <summary>
/// A floating IP as this chassis' NAT flows need it: associated with a VM plugged here, on an
/// external network that this chassis reaches through its external bridge, with every
/// reference resolved — the VM, the router interface the VM uses as gateway (its MAC is the
/// source of frames NATed towards the VM) and the external subnet's gateway (the next hop of
/// the VM's outbound traffic; null when the subnet has none, then only inbound works).
/// A floating IP that is unassociated, associated with a VM elsewhere or not yet resolvable
/// has no view, and so no flows here.
/// </summary>
public sealed record FloatingIpView(
    string Id,
    IPAddress Address,
    MacAddress Mac,
    PortView Vm,
    IPAddress FixedIp,
    MacAddress RouterMac,
    IPAddress? GatewayIp,
    MacAddress? ConfiguredGatewayMac)
{
    public static FloatingIpView? Resolve(ChassisContext context, ExternalNetwork external, FloatingIp fip)
    {
        if (fip.Lport is not { } portId || !context.IsLocal(portId)) return null;
        if (PortView.Resolve(context, portId) is not { } vm) return null;
        if (!Ipv4(fip.FloatingIpAddress, out var address)) return null;
        if (!context.Nb.Networks.TryGetValue(fip.FloatingNetworkId, out var network)) return null; // waits for its network
        if (network.PhysicalNetwork is { Length: > 0 } physnet && !external.PhysicalNetworks.Contains(physnet))
        {
            context.Logger.LogWarning("floating IP {Fip} is on physical network {Physnet}, which bridge_mappings does not map to the external bridge; skipped",
                fip.Id, physnet);
            return null;
        }
        if (FloatingMac(context, fip) is not { } mac) return null;
        var fixedIp = fip.FixedIpAddress is { } text && Ipv4(text, out var f) ? f : vm.Ipv4.FirstOrDefault();
        if (fixedIp is null) return null;
        if (RouterInterface(context, fip, vm, fixedIp) is not { } routerMac) return null;
        var gateway = fip.ExternalGatewayIp is { } g && Ipv4(g, out var gw) ? gw : ExternalGateway(context, fip);
        MacAddress? configured = null;
        if (fip.ExternalGatewayMac is { Length: > 0 } gm)
        {
            try
            {
                configured = MacAddress.Parse(gm);
            }
            catch (FormatException)
            {
            }
        }
        return new FloatingIpView(fip.Id, address, mac, vm, fixedIp, routerMac, gateway, configured);
    }

    /// <summary>The floating IP's own MAC (the floating lport's) — the address it answers ARP with.</summary>
    private static MacAddress? FloatingMac(ChassisContext context, FloatingIp fip)
    {
        var text = fip.FloatingMac;
        if (string.IsNullOrEmpty(text) && fip.FloatingLport is { } lport && context.Nb.Ports.TryGetValue(lport, out var port))
            text = port.Macs.FirstOrDefault();
        try
        {
            return MacAddress.Parse(text ?? "");
        }
        catch (FormatException)
        {
            context.Logger.LogWarning("floating IP {Fip} has no valid MAC ({Mac}); skipped", fip.Id, text);
            return null;
        }
    }

    /// <summary>The MAC of the router interface on the VM's subnet (the router the floating IP names, else the one joining the VM to the external network).</summary>
    private static MacAddress? RouterInterface(ChassisContext context, FloatingIp fip, PortView vm, IPAddress fixedIp)
    {
        IEnumerable<string> candidates = fip.Lrouter is { } r ? [r] : context.Nb.RoutersOfNetwork(vm.Port.Lswitch);
        foreach (var id in candidates)
        {
            if (!context.Nb.Routers.TryGetValue(id, out var router) || !router.AdminStateUp) continue;
            if (fip.Lrouter is null && router.ExternalGatewayInfo?.NetworkId != fip.FloatingNetworkId) continue;
            foreach (var rp in router.Ports)
            {
                if (rp.Lswitch == vm.Port.Lswitch && L3Interface.Resolve(context, rp) is { } i && i.Contains(fixedIp)) return i.Mac;
            }
        }
        return null;
    }

    /// <summary>The gateway of the external subnet that holds the floating address.</summary>
    private static IPAddress? ExternalGateway(ChassisContext context, FloatingIp fip)
    {
        if (fip.FloatingLport is not { } lport || !context.Nb.Ports.TryGetValue(lport, out var port)) return null;
        foreach (var ip in port.Ips)
        {
            if (ip.IpAddress == fip.FloatingIpAddress && context.Nb.Subnets.TryGetValue(ip.SubnetId, out var subnet)
                && subnet.GatewayIp is { } g && Ipv4(g, out var gw))
                return gw;
        }
        return null;
    }

    private static bool Ipv4(string text, out IPAddress address)
    {
        if (IPAddress.TryParse(text, out var a) && a.AddressFamily == AddressFamily.InterNetwork)
        {
            address = a;
            return true;
        }
        address = IPAddress.None;
        return false;
    }
}
