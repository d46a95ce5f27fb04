using Dragonflow.Model;

namespace Dragonflow.NorthDb.Tests.Model;

public class IpProtocolsTests
{
    /// <summary>neutron-lib's IP_PROTOCOL_MAP, less "hopopt" and "ip" (0), which the API does not take by name.</summary>
    public static TheoryData<string, byte> Neutron => new()
    {
        { "ah", 51 }, { "dccp", 33 }, { "egp", 8 }, { "esp", 50 }, { "gre", 47 }, { "icmp", 1 }, { "icmpv6", 58 },
        { "igmp", 2 }, { "ipip", 4 }, { "ipv6-encap", 41 }, { "ipv6-frag", 44 }, { "ipv6-icmp", 58 }, { "ipv6-nonxt", 59 },
        { "ipv6-opts", 60 }, { "ipv6-route", 43 }, { "ospf", 89 }, { "pgm", 113 }, { "rsvp", 46 }, { "sctp", 132 },
        { "tcp", 6 }, { "udp", 17 }, { "udplite", 136 }, { "vrrp", 112 },
    };

    [Theory]
    [MemberData(nameof(Neutron))]
    public void Each_neutron_name_has_its_number_and_parses_like_the_number(string name, byte number)
    {
        Assert.True(IpProtocols.TryGetNumber(name, out var byName));
        Assert.Equal(number, byName);
        Assert.True(IpProtocols.TryParse(name.ToUpperInvariant(), out var parsed));
        Assert.Equal(number, parsed);
        Assert.True(IpProtocols.TryParse(number.ToString(System.Globalization.CultureInfo.InvariantCulture), out var numeric));
        Assert.Equal(number, numeric);
        Assert.Contains(name, IpProtocols.Names);
    }

    [Fact]
    public void The_table_has_exactly_neutrons_names()
    {
        Assert.Equal(Neutron.Select(row => (string)row[0]).Order(StringComparer.Ordinal), IpProtocols.Names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_number_has_one_name_and_icmpv6_is_called_ipv6_icmp()
    {
        Assert.Equal("tcp", IpProtocols.NameOf(IpProtocols.Tcp));
        Assert.Equal("gre", IpProtocols.NameOf(IpProtocols.Gre));
        Assert.Equal("esp", IpProtocols.NameOf(IpProtocols.Esp));
        Assert.Equal("ipv6-icmp", IpProtocols.NameOf(IpProtocols.Icmpv6));
        Assert.Null(IpProtocols.NameOf(200));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData(null)]
    [InlineData("any")]
    [InlineData("teleport")]
    [InlineData("256")]
    [InlineData("-1")]
    [InlineData("hopopt")]
    public void Anything_else_is_not_a_protocol(string? text)
    {
        Assert.False(IpProtocols.TryParse(text, out _));
    }

    [Fact]
    public void Only_tcp_udp_sctp_dccp_and_udplite_have_ports_and_only_icmp_and_icmpv6_are_icmp()
    {
        var all = Enumerable.Range(0, 256).Select(n => (byte)n).ToList();
        Assert.Equal([IpProtocols.Tcp, IpProtocols.Udp, IpProtocols.Dccp, IpProtocols.Sctp, IpProtocols.UdpLite], all.Where(IpProtocols.HasPorts));
        Assert.Equal([IpProtocols.Icmp, IpProtocols.Icmpv6], all.Where(IpProtocols.IsIcmp));
    }
}
