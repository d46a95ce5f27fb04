using Dragonflow.Cli.Inspection.Trace;
using Dragonflow.Controller.Topology;
using Dragonflow.Model;

namespace Dragonflow.Cli.Inspection;

/// <summary>The kind of VM port counted: the plain one of <c>bench convergence</c> (port security on, no
/// security group), one in a security group, one with port security off.</summary>
public enum PortShape { Plain, InSecurityGroup, WithoutPortSecurity }

/// <summary>
/// How many flows one more VM port adds on its chassis, by app, computed offline the way the
/// trace recomputes owners: the apps run over a small topology (a Geneve network with a subnet,
/// a port on this chassis and one on another, no router, ports of one <see cref="PortShape"/>),
/// then over the same with a second local port.
/// </summary>
public static class PortFlowCount
{
    const string Group = "sg";
    const string Here = "here", There = "there", Network = "net", Subnet = "sub";

    /// <summary>The app lists the pipeline page reports: the default one and the bare minimum.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> Reported { get; } =
    [
        Dragonflow.Configuration.OptionCatalog.DefaultAppsList,
        ["l2", "tunneling"],
    ];

    /// <summary>Per app (those that add any), the flows the second local port added.</summary>
    public static IReadOnlyList<(string App, int Flows)> ForNewPort(IReadOnlyList<string> apps, PortShape shape = PortShape.Plain)
    {
        var before = FlowsByApp(apps, shape, localPorts: 1);
        var after = FlowsByApp(apps, shape, localPorts: 2);
        return [.. after.Select(kv => (kv.Key, kv.Value - before.GetValueOrDefault(kv.Key))).Where(t => t.Item2 != 0).OrderBy(t => t.Key, StringComparer.Ordinal)];
    }

    static Dictionary<string, int> FlowsByApp(IReadOnlyList<string> apps, PortShape shape, int localPorts)
    {
        List<NbObject> objects =
        [
            new Chassis { Id = Here, Ip = "192.0.2.1", TunnelTypes = ["geneve"] },
            new Chassis { Id = There, Ip = "192.0.2.2", TunnelTypes = ["geneve"] },
            new LogicalSwitch { Id = Network, Topic = "p", NetworkType = "geneve", SegmentationId = 100, UniqueKey = 1, Subnets = [Subnet] },
            new LogicalSubnet { Id = Subnet, Topic = "p", Lswitch = Network, Cidr = "10.0.0.0/24" },
            // Neutron's default group: IPv4 and IPv6 out, in from members of the group.
            new SecurityGroup
            {
                Id = Group, Topic = "p", UniqueKey = 1,
                Rules =
                [
                    new SecurityGroupRule { Id = "out4", Direction = "egress", Ethertype = "IPv4" },
                    new SecurityGroupRule { Id = "out6", Direction = "egress", Ethertype = "IPv6" },
                    new SecurityGroupRule { Id = "in4", Direction = "ingress", Ethertype = "IPv4", RemoteGroupId = Group },
                    new SecurityGroupRule { Id = "in6", Direction = "ingress", Ethertype = "IPv6", RemoteGroupId = Group },
                ],
            },
            Port("remote", There, 0, shape),
        ];
        var bridge = new BridgePorts();
        bridge.SetTunnel("geneve", 100);
        for (var i = 1; i <= localPorts; i++)
        {
            objects.Add(Port($"local-{i}", Here, i, shape));
            bridge.SetInterface($"tap{i}", $"local-{i}", (uint)i);
        }
        var owners = FlowOwners.Recompute(NbSnapshot.Of(objects), Here, ["geneve"], apps, bridge);
        return owners.CountByApp().ToDictionary(kv => FlowOwners.AppName(kv.Key), kv => kv.Value);
    }

    static LogicalPort Port(string id, string chassis, int n, PortShape shape) => new()
    {
        Id = id, Topic = "p", Lswitch = Network, Chassis = chassis, BindingHostId = chassis, Status = PortStatuses.Active,
        Macs = [$"fa:16:3e:00:00:{n + 1:x2}"], Ips = [new FixedIp(Subnet, $"10.0.0.{n + 10}")], UniqueKey = n + 10,
        SecurityGroups = shape == PortShape.InSecurityGroup ? [Group] : [], PortSecurityEnabled = shape != PortShape.WithoutPortSecurity,
    };
}
