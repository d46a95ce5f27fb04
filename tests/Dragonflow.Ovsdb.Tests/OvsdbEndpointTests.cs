namespace Dragonflow.Ovsdb.Tests;

public class OvsdbEndpointTests
{
    [Fact]
    public void ParsesUnixAndTcpTargets()
    {
        Assert.Equal("/tmp/x/db.sock", OvsdbEndpoint.Parse("unix:/tmp/x/db.sock").UnixPath);
        var tcp = OvsdbEndpoint.Parse("tcp:127.0.0.1:6640").TcpEndPoint!;
        Assert.Equal("127.0.0.1", tcp.Address.ToString());
        Assert.Equal(6640, tcp.Port);
        Assert.Equal(6641, OvsdbEndpoint.Parse("tcp:[::1]:6641").TcpEndPoint!.Port);
    }

    [Theory]
    [InlineData("unix:")]
    [InlineData("tcp:127.0.0.1")]
    [InlineData("tcp:localhost:6640")]
    [InlineData("tcp:127.0.0.1:70000")]
    [InlineData("ssl:127.0.0.1:6640")]
    [InlineData("/var/run/openvswitch/db.sock")]
    public void RejectsWhatItCannotConnectTo(string text)
    {
        Assert.Throws<ArgumentException>(() => OvsdbEndpoint.Parse(text));
    }
}
