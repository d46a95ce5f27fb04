namespace Dragonflow.Model;

/// <summary>
/// One Neutron extra DHCP option of a port: a name (a number, or one of dnsmasq's names such as
/// <c>tftp-server</c>, <c>bootfile-name</c>), its value as text, and the DHCP it is for (4 or 6).
/// </summary>
public sealed record ExtraDhcpOption(string OptName, string OptValue, int IpVersion = 4);
