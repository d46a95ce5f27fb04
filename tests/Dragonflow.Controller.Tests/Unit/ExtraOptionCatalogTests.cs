using Dragonflow.Controller.Apps.Dhcp;
using Dragonflow.Model;

namespace Dragonflow.Controller.Tests.Unit;

public sealed class ExtraOptionCatalogTests
{
    [Theory]
    [InlineData("tftp-server", "192.0.2.10", 66, "3139322e302e322e3130")] // a name (text), RFC 2132 §9.4
    [InlineData("bootfile-name", "pxelinux.0", 67, "7078656c696e75782e30")]
    [InlineData("option:dns-server", "192.0.2.1, 192.0.2.2", 6, "c0000201c0000202")]
    [InlineData("42", "192.0.2.123", 42, "c000027b")] // a known code by number: addresses
    [InlineData("26", "1450", 26, "05aa")]
    [InlineData("19", "1", 19, "01")]
    [InlineData("224", "site-local", 224, "736974652d6c6f63616c")] // an unknown code: text
    public void Options_are_encoded_by_their_code(string name, string value, byte code, string hex)
    {
        var (option, error) = ExtraOptionCatalog.Encode(new ExtraDhcpOption(name, value));
        Assert.Null(error);
        Assert.Equal(code, option!.Code);
        Assert.Equal(hex, Convert.ToHexStringLower(option.Value));
    }

    [Theory]
    [InlineData("no-such-option", "x", "unknown option name")]
    [InlineData("256", "x", "unknown option name")]
    [InlineData("53", "1", "server's own")] // message type
    [InlineData("lease-time", "60", "unknown option name")]
    [InlineData("51", "60", "server's own")]
    [InlineData("dns-server", "not-an-address", "not an IPv4 address")]
    [InlineData("mtu", "70000", "0 to 65535")]
    [InlineData("tftp-server", "caf\u00e9", "ASCII")]
    public void Options_that_cannot_be_sent_say_why(string name, string value, string reason)
    {
        var (option, error) = ExtraOptionCatalog.Encode(new ExtraDhcpOption(name, value));
        Assert.Null(option);
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Server_ip_address_is_the_next_server_field_for_ipv4_only() =>
        Assert.Equal("192.0.2.10", ExtraOptionCatalog.NextServer(
        [
            new ExtraDhcpOption("server-ip-address", "2001:db8::1", 6),
            new ExtraDhcpOption("server-ip-address", "192.0.2.10"),
        ])?.ToString());
}
