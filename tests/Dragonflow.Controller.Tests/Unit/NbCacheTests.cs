using Dragonflow.Controller.Topology;
using Dragonflow.Model;

namespace Dragonflow.Controller.Tests.Unit;

public sealed class NbCacheTests
{
    private static LogicalPort Port(string id, string net, string? chassis, long version) =>
        new() { Id = id, Lswitch = net, Chassis = chassis, Version = version, Macs = ["fa:16:3e:00:00:01"], UniqueKey = 1 };

    [Fact]
    public void An_older_version_never_replaces_a_newer_one()
    {
        var cache = new NbCache();
        Assert.True(cache.Put(Port("p", "n", "c1", 3)).Stored);
        var (stored, previous) = cache.Put(Port("p", "n", "c2", 2));
        Assert.False(stored);
        Assert.Equal(3, previous!.Version);
        Assert.Equal("c1", cache.Ports["p"].Chassis);
        Assert.True(cache.Put(Port("p", "n", "c2", 4)).Stored);
        Assert.Equal("c2", cache.Ports["p"].Chassis);
    }

    [Fact]
    public void Indexes_follow_ports_moving_between_networks_and_chassis()
    {
        var cache = new NbCache();
        cache.Put(Port("p1", "n1", "c1", 1));
        cache.Put(Port("p2", "n1", "c1", 1));
        cache.Put(Port("p3", "n1", "c2", 1));
        Assert.Equal(["c1", "c2"], cache.ChassisOfNetwork("n1").Order());
        Assert.Equal(["p1", "p2"], cache.PortsOfChassis("c1").Order());

        cache.Put(Port("p3", "n2", null, 2)); // unbound and moved
        Assert.Equal(["c1"], cache.ChassisOfNetwork("n1"));
        Assert.Empty(cache.ChassisOfNetwork("n2"));
        Assert.Equal(["p3"], cache.PortsOfNetwork("n2"));

        cache.Remove("lport", "p1");
        Assert.Equal(["c1"], cache.ChassisOfNetwork("n1")); // p2 still holds it
        cache.Remove("lport", "p2");
        Assert.Empty(cache.ChassisOfNetwork("n1"));
        Assert.Empty(cache.PortsOfChassis("c1"));
    }

    [Fact]
    public void Security_groups_are_cached_and_ports_indexed_by_the_groups_they_list()
    {
        var nb = new NbCache();
        Assert.Contains(NbTables.Lsecgroup, NbCache.Tables);
        nb.Put(new SecurityGroup { Id = "g1", UniqueKey = 3, Version = 1 });
        Assert.Same(nb.SecurityGroups["g1"], nb.Find("lsecgroup", "g1"));
        Assert.Single(nb.All("lsecgroup"));

        nb.Put(new LogicalPort { Id = "p1", Lswitch = "n", SecurityGroups = ["g1", "g2"], Version = 1 });
        nb.Put(new LogicalPort { Id = "p2", Lswitch = "n", SecurityGroups = ["g1"], Version = 1 });
        Assert.Equal(["p1", "p2"], nb.PortsOfSecurityGroup("g1").Order());
        Assert.Equal(["p1"], nb.PortsOfSecurityGroup("g2"));

        nb.Put(new LogicalPort { Id = "p1", Lswitch = "n", SecurityGroups = ["g2"], Version = 2 });
        Assert.Equal(["p2"], nb.PortsOfSecurityGroup("g1"));
        nb.Remove("lport", "p1");
        Assert.Empty(nb.PortsOfSecurityGroup("g2"));

        Assert.NotNull(nb.Remove("lsecgroup", "g1"));
        Assert.Empty(nb.SecurityGroups);
    }
}
