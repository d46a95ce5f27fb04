using System.Net;
using Dragonflow.Controller.Apps.Metadata;
using Dragonflow.Controller.MetadataService;

namespace Dragonflow.Controller.Tests.Unit;

public sealed class MetadataAddressTests
{
    [Theory]
    [InlineData(1u, "169.254.0.1")]
    [InlineData(258u, "169.254.1.2")]
    [InlineData(65534u, "169.254.255.254")]
    public void A_port_key_names_one_link_local_address_and_back(uint key, string address)
    {
        Assert.Equal(IPAddress.Parse(address), MetadataAddress.ForPortKey(key));
        Assert.Equal(key, MetadataAddress.PortKeyOf(IPAddress.Parse(address)));
        Assert.Equal(key, MetadataAddress.PortKeyOf(IPAddress.Parse(address).MapToIPv6()));
    }

    [Theory]
    [InlineData(0u)] // no port has key 0
    [InlineData(43518u)] // 169.254.169.254 itself
    [InlineData(65535u)] // the /16's broadcast
    [InlineData(65536u)] // beyond 16 bits
    public void Keys_that_no_address_can_name_have_none(uint key) => Assert.Null(MetadataAddress.ForPortKey(key));

    [Theory]
    [InlineData("10.0.0.5")]
    [InlineData("169.254.169.254")]
    [InlineData("169.253.0.1")]
    [InlineData("fe80::1")]
    public void Other_addresses_name_no_port(string address) => Assert.Null(MetadataAddress.PortKeyOf(IPAddress.Parse(address)));

    [Fact]
    public void The_signature_is_the_hex_hmac_sha256_of_the_instance_id_as_nova_computes_it() =>
        // python3: hmac.new(b'secret', b'a7b2c3d4-instance', hashlib.sha256).hexdigest()
        Assert.Equal("76e037e9beb3c6eb79074f64855387393c07908bb6c231428921cbdea64a1683", InstanceSignature.Of("a7b2c3d4-instance", "secret"));
}
