using Dragonflow.Model;
using Dragonflow.Testing.Sandbox;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>
/// The NB side of a routed test cloud, written as the API server writes it (RouterEndpoints,
/// FloatingIpEndpoints): a tenant network 10.1.0.0/24 (Geneve) behind router r1 (10.1.0.1) whose
/// external gateway is <see cref="RouterGatewayIp"/> on the external network 172.24.4.0/24 —
/// flat on physical network "public", or without provider attributes (the API server then gives
/// it its default tunnel type) — whose own gateway is <see cref="ExternalGateway"/>. Subclasses add
/// the chassis.
/// </summary>
internal abstract class RoutedTenant(ControllerSandbox s)
{
    public const string ExternalGateway = "172.24.4.1";
    public const string RouterGatewayIp = "172.24.4.2";
    private const string TenantSubnet = "sub-tenant";
    private const string ExternalSubnet = "sub-external";

    public ControllerSandbox S { get; } = s;
    public LogicalSwitch Tenant { get; private set; } = null!;
    public LogicalSwitch External { get; private set; } = null!;
    public LogicalRouter Router { get; private set; } = null!;

    protected async Task CreateNetworksAsync(bool flat)
    {
        var api = S.Api;
        Tenant = await api.CreateAsync(new LogicalSwitch
        {
            Id = "net-tenant", Topic = "tenant1", NetworkType = "geneve", SegmentationId = 101, Subnets = [TenantSubnet],
            UniqueKey = await api.AllocateUniqueKeyAsync<LogicalSwitch>(),
        });
        await api.CreateAsync(new LogicalSubnet { Id = TenantSubnet, Topic = "tenant1", Lswitch = Tenant.Id, Cidr = "10.1.0.0/24", GatewayIp = "10.1.0.1" });
        External = await api.CreateAsync(new LogicalSwitch
        {
            Id = "net-external", Topic = "admin", RouterExternal = true, Subnets = [ExternalSubnet],
            NetworkType = flat ? "flat" : "geneve", PhysicalNetwork = flat ? "public" : null, SegmentationId = flat ? null : 300,
            UniqueKey = await api.AllocateUniqueKeyAsync<LogicalSwitch>(),
        });
        await api.CreateAsync(new LogicalSubnet
        {
            Id = ExternalSubnet, Topic = "admin", Lswitch = External.Id, Cidr = "172.24.4.0/24", GatewayIp = ExternalGateway, EnableDhcp = false,
        });

        var routerId = "router-" + Guid.NewGuid().ToString("n")[..8];
        var gatewayPort = await LportAsync(External, ExternalSubnet, "fa:16:3e:ee:00:02", RouterGatewayIp, "network:router_gateway", routerId);
        var interfacePort = await LportAsync(Tenant, TenantSubnet, "fa:16:3e:10:00:01", "10.1.0.1", "network:router_interface", routerId);
        Router = await api.CreateAsync(new LogicalRouter
        {
            Id = routerId, Topic = "tenant1", Name = "r1", UniqueKey = await api.AllocateUniqueKeyAsync<LogicalRouter>(),
            Ports =
            [
                new LogicalRouterPort
                {
                    Id = interfacePort.Id, Topic = "tenant1", Mac = "fa:16:3e:10:00:01", Network = "10.1.0.1/24",
                    Lswitch = Tenant.Id, SubnetId = TenantSubnet, UniqueKey = interfacePort.UniqueKey,
                },
            ],
            ExternalGatewayInfo = new ExternalGatewayInfo { NetworkId = External.Id, ExternalFixedIps = [.. gatewayPort.Ips], PortId = gatewayPort.Id },
        });
    }

    private async Task<LogicalPort> LportAsync(LogicalSwitch net, string subnet, string mac, string ip, string owner = "", string deviceId = "") =>
        await S.Api.CreateAsync(new LogicalPort
        {
            Id = "port-" + Guid.NewGuid().ToString("n")[..8], Topic = net.Topic, Lswitch = net.Id, Macs = [mac],
            Ips = [new FixedIp(subnet, ip)], DeviceOwner = owner, DeviceId = deviceId, PortSecurityEnabled = owner.Length == 0,
            UniqueKey = await S.Api.AllocateUniqueKeyAsync<LogicalPort>(),
        });

    /// <summary>A VM on the tenant network, plugged into the chassis and bound (ACTIVE).</summary>
    public async Task<(LogicalPort, VmNamespace)> VmAsync(ChassisUnderTest chassis, string mac, string ip)
    {
        var port = await LportAsync(Tenant, TenantSubnet, mac, ip);
        var vm = S.Ovs.AddVm(chassis.Ovs, new VmOptions { Mac = mac, IpCidr = ip + "/24", IfaceId = port.Id, Gateway = "10.1.0.1" });
        await S.WaitForStatusAsync(port.Id, "ACTIVE", chassis.Host);
        return (port, vm);
    }

    /// <summary>POST /v2.0/floatingips with port_id: the floating lport, then the floating IP.</summary>
    public async Task<FloatingIp> CreateFloatingIpAsync(string address, string mac, LogicalPort? vm)
    {
        var id = Guid.NewGuid().ToString();
        var lport = await LportAsync(External, ExternalSubnet, mac, address, "network:floatingip", id);
        var fip = new FloatingIp
        {
            Id = id, Topic = "tenant1", FloatingNetworkId = External.Id, FloatingLport = lport.Id, FloatingMac = mac,
            FloatingIpAddress = address, ExternalGatewayIp = ExternalGateway,
        };
        Associate(fip, vm);
        return await S.Api.CreateAsync(fip);
    }

    /// <summary>PUT /v2.0/floatingips/ID with port_id (null: disassociate).</summary>
    public Task AssociateAsync(string fipId, LogicalPort? vm) => S.Api.UpdateAsync<FloatingIp>(fipId, f => Associate(f, vm));

    private void Associate(FloatingIp fip, LogicalPort? vm)
    {
        fip.Lport = vm?.Id;
        fip.FixedIpAddress = vm?.Ips[0].IpAddress;
        fip.Lrouter = vm is null ? null : Router.Id;
        fip.Status = vm is null ? "DOWN" : "ACTIVE";
    }
}
