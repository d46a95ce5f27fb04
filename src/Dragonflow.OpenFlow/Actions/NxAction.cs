using System.Buffers.Binary;

namespace Dragonflow.OpenFlow.Actions;

/// <summary>Common header of Nicira extension actions (nicira-ext.h struct nx_action_header).</summary>
internal static class NxAction
{
    public const ushort ExperimenterType = 0xffff;
    public const uint NiciraVendor = 0x00002320;
    public const int HeaderSize = 10;

    public static void WriteHeader(Span<byte> dst, int length, ushort subtype)
    {
        BinaryPrimitives.WriteUInt16BigEndian(dst, ExperimenterType);
        BinaryPrimitives.WriteUInt16BigEndian(dst[2..], (ushort)length);
        BinaryPrimitives.WriteUInt32BigEndian(dst[4..], NiciraVendor);
        BinaryPrimitives.WriteUInt16BigEndian(dst[8..], subtype);
    }
}
