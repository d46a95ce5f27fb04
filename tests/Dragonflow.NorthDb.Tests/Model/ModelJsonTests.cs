using System.Text.Json;
using System.Text.Json.Nodes;
using Dragonflow.Model;

namespace Dragonflow.NorthDb.Tests.Model;

public class ModelJsonTests
{
    [Fact]
    public void PortSerializesWithSnakeCaseNamesFromTheDesign()
    {
        var port = new LogicalPort
        {
            Id = "p1",
            Topic = "tenant-a",
            Version = 3,
            Lswitch = "net1",
            Macs = ["fa:16:3e:00:00:01"],
            Ips = [new FixedIp("sub1", "10.0.0.5")],
            DeviceOwner = "compute:nova",
            SecurityGroups = ["sg1"],
            AllowedAddressPairs = [new AddressPair("10.0.0.100")],
            UniqueKey = 7,
        };

        var json = JsonNode.Parse(NbTables.Lport.Format(port))!.AsObject();

        Assert.Equal("p1", (string?)json["id"]);
        Assert.Equal("tenant-a", (string?)json["topic"]);
        Assert.Equal(3, (long?)json["version"]);
        Assert.Equal("net1", (string?)json["lswitch"]);
        Assert.Equal("10.0.0.5", (string?)json["ips"]![0]!["ip_address"]);
        Assert.Equal("sub1", (string?)json["ips"]![0]!["subnet_id"]);
        Assert.Equal("compute:nova", (string?)json["device_owner"]);
        Assert.Equal(7, (long?)json["unique_key"]);
        Assert.True((bool?)json["port_security_enabled"]);
        Assert.Equal("10.0.0.100", (string?)json["allowed_address_pairs"]![0]!["ip_address"]);
        Assert.False(json.ContainsKey("chassis"), "nulls are omitted");
    }

    [Fact]
    public void EveryTableRoundTripsItsObjects()
    {
        var now = new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
        NbObject[] samples =
        [
            new LogicalSwitch { Id = "n", Topic = "t", Mtu = 1450, NetworkType = "vxlan", SegmentationId = 42, RouterExternal = true, Subnets = ["s"], CreatedAt = now, Tags = ["x"] },
            new LogicalSubnet { Id = "s", Lswitch = "n", Cidr = "10.0.0.0/24", GatewayIp = "10.0.0.1", AllocationPools = [new AllocationPool("10.0.0.2", "10.0.0.254")], HostRoutes = [new HostRoute("0.0.0.0/0", "10.0.0.254")], DnsNameservers = ["8.8.8.8"], IpVersion = 6, Ipv6RaMode = "slaac" },
            new LogicalRouter { Id = "r", Ports = [new LogicalRouterPort { Id = "rp", Mac = "fa:16:3e:00:00:09", Network = "10.0.0.1/24", Lswitch = "n", UniqueKey = 3 }], Routes = [new HostRoute("192.168.0.0/16", "10.0.0.9")], ExternalGatewayInfo = new ExternalGatewayInfo { NetworkId = "ext", EnableSnat = false, ExternalFixedIps = [new FixedIp("es", "172.24.4.10")] } },
            new FloatingIp { Id = "f", FloatingIpAddress = "172.24.4.20", FloatingNetworkId = "ext", Lport = "p", FixedIpAddress = "10.0.0.5", Lrouter = "r", ExternalGatewayIp = "172.24.4.1" },
            new SecurityGroup { Id = "g", Name = "default", Rules = [new SecurityGroupRule { Id = "rule", Direction = "egress", Ethertype = "IPv6", Protocol = "tcp", PortRangeMin = 22, PortRangeMax = 23, RemoteIpPrefix = "::/0", RemoteGroupId = "g" }] },
            new Chassis { Id = "host1", Ip = "192.0.2.1", TunnelTypes = ["geneve", "vxlan"] },
            new Publisher { Id = "pub", Uri = "tcp://127.0.0.1:1234", LastActivityTimestamp = 1700000000.5 },
            new UniqueKeyCounter { Id = "lport", Value = 9 },
            new RbacPolicy { Id = "rb", Topic = "t", ObjectId = "n", Action = RbacPolicy.AccessAsShared, TargetTenant = RbacPolicy.Everyone },
            new SubnetPool { Id = "sp", Topic = "t", Prefixes = ["10.0.0.0/8"], MinPrefixlen = 8, MaxPrefixlen = 32, DefaultPrefixlen = 24, DefaultQuota = 512, Shared = true, IsDefault = true, AddressScopeId = "as", Allocations = [new PoolAllocation("s", "10.0.0.0/24", "t")] },
            new AddressScope { Id = "as", Topic = "t", IpVersion = 6, Shared = true },
            new ProjectQuota { Id = "t", Topic = "t", Limits = new() { ["network"] = 5, ["port"] = -1 } },
        ];

        foreach (var sample in samples)
        {
            var table = NbTables.All.Single(t => t.Type == sample.GetType());
            var json = table.Serialize(sample);
            var back = table.Deserialize(json);
            Assert.Equal(json, table.Serialize(back));
        }
    }

    [Fact]
    public void UnknownPropertiesAreKeptWhenAnObjectIsRewritten()
    {
        const string fromNewerWriter = """{"id":"n1","topic":"t","version":2,"name":"net","qos_policy_id":"q9","future":{"a":[1,2]}}""";

        var net = NbTables.Lswitch.Parse(fromNewerWriter);
        net.Name = "renamed";
        var rewritten = JsonNode.Parse(NbTables.Lswitch.Format(net))!;

        Assert.Equal("renamed", (string?)rewritten["name"]);
        Assert.Equal("q9", (string?)rewritten["qos_policy_id"]);
        Assert.Equal(2, (int?)rewritten["future"]!["a"]![1]);
    }

    [Fact]
    public void ParsingGarbageThrowsJsonException()
    {
        Assert.ThrowsAny<JsonException>(() => NbTables.Lport.Parse("{not json"));
        Assert.ThrowsAny<JsonException>(() => NbTables.Lport.Parse("null"));
        Assert.ThrowsAny<JsonException>(() => NbTables.Lport.Parse("""{"id": 5}"""));
    }

    [Fact]
    public void RegistryMapsNamesAndTypesBothWays()
    {
        Assert.Equal(
            ["lswitch", "lsubnet", "lport", "lrouter", "floatingip", "lsecgroup", "chassis", "publisher", "unique_key",
             "ipam_ip", "ipam_mac", "ipam_segment", "ipam_netport", "index_port_device", "rbac_policy",
             "subnetpool", "address_scope", "quota"],
            NbTables.All.Select(t => t.Name));
        Assert.True(NbTables.TryGet("lport", out var lport));
        Assert.Equal(typeof(LogicalPort), lport.Type);
        Assert.Same(NbTables.Lsecgroup, NbTables.Of<SecurityGroup>());
        Assert.False(NbTables.TryGet("nosuch", out _));
    }

    [Theory]
    [InlineData("lport", "abc-1", "/openstack/lport/abc-1")]
    [InlineData("unique_key", "lswitch", "/openstack/unique_key/lswitch")]
    public void KeysFollowTheOpenstackLayout(string table, string id, string key)
    {
        Assert.Equal(key, NbKey.For(table, id));
        Assert.True(NbKey.TryParse(key, out var t, out var i));
        Assert.Equal((table, id), (t, i));
    }

    [Theory]
    [InlineData("/other/lport/x")]
    [InlineData("/openstack/lport/")]
    [InlineData("/openstack/lport")]
    public void MalformedKeysDoNotParse(string key) => Assert.False(NbKey.TryParse(key, out _, out _));
}
