using Dragonflow.Server.Ipam;

namespace Dragonflow.Server.Tests;

public class SubnetCidrTests
{
    static SubnetCidr Parse(string text)
    {
        Assert.True(SubnetCidr.TryParse(text, out var cidr, out var error), error);
        return cidr!;
    }

    [Fact]
    public void Ipv4_defaults_follow_neutron()
    {
        var cidr = Parse("10.0.0.0/24");
        Assert.Equal(4, cidr.IpVersion);
        Assert.Equal("10.0.0.1", cidr.DefaultGateway.ToString());
        var pool = Assert.Single(cidr.DefaultPools(cidr.DefaultGateway));
        Assert.Equal("10.0.0.2-10.0.0.254", pool.ToString());
    }

    [Fact]
    public void A_gateway_inside_the_range_splits_the_pool()
    {
        var cidr = Parse("192.168.1.0/28");
        var pools = cidr.DefaultPools(System.Net.IPAddress.Parse("192.168.1.5"));
        Assert.Equal(["192.168.1.1-192.168.1.4", "192.168.1.6-192.168.1.14"], pools.Select(p => p.ToString()));
    }

    [Fact]
    public void Ipv6_gateway_is_the_subnet_router_anycast_address()
    {
        var cidr = Parse("fd00:1::/64");
        Assert.Equal(6, cidr.IpVersion);
        Assert.Equal("fd00:1::", cidr.DefaultGateway.ToString());
        var pool = Assert.Single(cidr.DefaultPools(cidr.DefaultGateway));
        Assert.Equal("fd00:1::1-fd00:1::ffff:ffff:ffff:ffff", pool.ToString());
    }

    [Theory]
    [InlineData("10.0.0.1/24", "'10.0.0.0/24' is recommended")]
    [InlineData("10.0.0.0/33", "not a valid IP subnet")]
    [InlineData("banana", "not a valid IP subnet")]
    [InlineData("10.0.0.0", "not a valid IP subnet")]
    public void Bad_cidrs_are_refused_with_a_reason(string text, string reason)
    {
        Assert.False(SubnetCidr.TryParse(text, out _, out var error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Overlap_is_detected_across_prefix_lengths_only_within_a_family()
    {
        Assert.True(Parse("10.0.0.0/16").Overlaps(Parse("10.0.5.0/24")));
        Assert.False(Parse("10.0.0.0/24").Overlaps(Parse("10.0.1.0/24")));
        Assert.False(Parse("10.0.0.0/8").Overlaps(Parse("fd00::/8")));
    }
}
