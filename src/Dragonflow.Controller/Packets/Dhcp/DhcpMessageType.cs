namespace Dragonflow.Controller.Packets.Dhcp;

/// <summary>DHCP message types, option 53 (RFC 2132 §9.6).</summary>
public enum DhcpMessageType : byte
{
    Discover = 1,
    Offer = 2,
    Request = 3,
    Decline = 4,
    Ack = 5,
    Nak = 6,
    Release = 7,
    Inform = 8,
}

/// <summary>The option codes this codec reads or writes (RFC 2132; 121 is RFC 3442).</summary>
public static class DhcpOptionCode
{
    public const byte Pad = 0;
    public const byte SubnetMask = 1;
    public const byte Router = 3;
    public const byte DnsServers = 6;
    public const byte HostName = 12;
    public const byte DomainName = 15;
    public const byte InterfaceMtu = 26;
    public const byte RequestedIp = 50;
    public const byte LeaseTime = 51;
    public const byte MessageType = 53;
    public const byte ServerId = 54;
    public const byte Message = 56;
    public const byte RenewalTime = 58;
    public const byte RebindingTime = 59;
    public const byte ClasslessStaticRoutes = 121;
    public const byte End = 255;
}
