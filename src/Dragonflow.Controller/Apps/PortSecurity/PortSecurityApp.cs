using Dragonflow.Controller.Flows;
using Dragonflow.OpenFlow.Matching;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Apps.PortSecurity;

/// <summary>
/// portsec: anti-spoofing (tables EGRESS_PORT_SECURITY and EGRESS_SOURCE_ADDRESS, flows in
/// <see cref="PortSecurityFlows"/>). A local port with port_security_enabled may only send from
/// its own MAC and fixed IPs, plus its allowed address pairs (IP or CIDR, with the pair's MAC or
/// the port's); what it needs before it has an address (DHCP from 0.0.0.0, ARP probes, IPv6
/// link-local, DAD and router solicitation) is let through too, everything else is dropped. A
/// port with port_security_enabled=false gets one flow that lets everything through. An address
/// pair that does not parse is logged and skipped.
///
/// Owners: <see cref="FlowOwner.Pipeline"/> (the chassis-wide flows) and the port.
/// </summary>
public sealed class PortSecurityApp(ChassisContext context) : ControllerApp(context)
{
    public static readonly AppId AppId = new(8, "portsec");

    public override Pipeline.AppContract Contract { get; } = new(AppId, PortSecurityFlows.Bands.All);

    public override AppEvents Handles => AppEvents.Port;

    public override void Start() => Set(FlowOwner.Pipeline, PortSecurityFlows.Pipeline());

    public override void OnPortChanged(string portId)
    {
        if (!Context.IsLocal(portId) || PortView.Resolve(Context, portId) is not { } p)
        {
            Clear(FlowOwner.Port(portId));
            return;
        }
        Set(FlowOwner.Port(portId), p.Port.PortSecurityEnabled ? PortSecurityFlows.For(p.Key, p.Mac, Sources(p)) : [PortSecurityFlows.Unprotected(p.Key)]);
    }

    /// <summary>The port's fixed IPs with its MAC, then its allowed address pairs.</summary>
    private List<AllowedSource> Sources(PortView p)
    {
        var sources = new List<AllowedSource>();
        foreach (var ip in p.Port.Ips)
        {
            if (AllowedSource.Parse(p.Mac, ip.IpAddress) is { } s && s.PrefixLength == (s.IsIpv6 ? 128 : 32)) sources.Add(s);
            else Context.Logger.LogWarning("port {Port}: fixed IP '{Ip}' is no address; not allowed as a source", p.Port.Id, ip.IpAddress);
        }
        foreach (var pair in p.Port.AllowedAddressPairs)
        {
            var mac = p.Mac;
            if (pair.MacAddress is { Length: > 0 } text)
            {
                try
                {
                    mac = MacAddress.Parse(text);
                }
                catch (FormatException)
                {
                    Context.Logger.LogWarning("port {Port}: allowed address pair MAC '{Mac}' is malformed; pair skipped", p.Port.Id, text);
                    continue;
                }
            }
            if (AllowedSource.Parse(mac, pair.IpAddress) is { } s) sources.Add(s);
            else Context.Logger.LogWarning("port {Port}: allowed address pair '{Ip}' is malformed; pair skipped", p.Port.Id, pair.IpAddress);
        }
        return sources;
    }
}
