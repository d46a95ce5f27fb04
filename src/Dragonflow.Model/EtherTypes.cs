namespace Dragonflow.Model;

/// <summary>The EtherType values (the Ethernet header's type field) the pipeline and the trace verb match on.</summary>
public static class EtherTypes
{
    public const ushort Ipv4 = 0x0800;
    public const ushort Arp = 0x0806;
    public const ushort Rarp = 0x8035;
    public const ushort Ipv6 = 0x86dd;
}
