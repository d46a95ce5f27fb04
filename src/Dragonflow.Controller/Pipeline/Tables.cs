namespace Dragonflow.Controller.Pipeline;

/// <summary>
/// The br-int table numbers: the one place a table number is written (classic Dragonflow's
/// numbering, which operators know). What each table is for, who writes it and where it may
/// lead is in <see cref="PipelineSpec"/>.
/// </summary>
public static class Tables
{
    public const byte IngressClassification = 0;
    public const byte EgressPortSecurity = 1;
    public const byte EgressSourceAddress = 2;
    public const byte EgressConntrack = 3;
    public const byte EgressSecurityGroup = 6;
    public const byte ServicesClassification = 9;
    public const byte Arp = 10;
    public const byte Dhcp = 11;
    public const byte MetadataService = 12;
    public const byte MetadataServiceReply = 13;
    public const byte IngressNat = 15;
    public const byte L2Lookup = 17;
    public const byte L3Lookup = 20;
    public const byte L3ProactiveLookup = 25;
    public const byte EgressNat = 30;
    public const byte Snat = 31;
    public const byte UnSnat = 32;
    public const byte Egress = 64;
    public const byte IngressConntrack = 72;
    public const byte IngressSecurityGroup = 77;
    public const byte IngressDispatch = 78;
    public const byte Canary = 200;
}

/// <summary>
/// The priority levels that apps' bands are built from (<see cref="PriorityBand"/>): an app
/// names its bands in its contract and takes its priorities from them, never from arithmetic
/// on these.
/// </summary>
public static class Priorities
{
    public const ushort Default = 1;
    public const ushort Low = 50;
    public const ushort Medium = 100;
    public const ushort High = 200;
    public const ushort VeryHigh = 300;
}

/// <summary>Registers and metadata as the pipeline uses them.</summary>
public static class Registers
{
    /// <summary>reg6: the key of the port a packet came from.</summary>
    public const int SourcePort = 6;

    /// <summary>reg7: the key of the port a packet goes to.</summary>
    public const int DestinationPort = 7;

    /// <summary>
    /// reg7 = 0 (no port has key 0) in table 64, with a network's metadata: the network's
    /// uplink to its physical network (flat and VLAN networks), where broadcast and unknown
    /// unicast leave.
    /// </summary>
    public const uint PhysicalUplink = 0;
}
