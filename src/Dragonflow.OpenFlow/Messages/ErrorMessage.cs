using System.Buffers.Binary;
using Dragonflow.OpenFlow.Protocol;

namespace Dragonflow.OpenFlow.Messages;

/// <summary>
/// OFPT_ERROR, OpenFlow 1.3.5 §7.4.4 (struct ofp_error_msg; type 0xffff is
/// ofp_error_experimenter_msg). <see cref="Reason"/> spells out type and code.
/// </summary>
public sealed record ErrorMessage(ushort Type, ushort Code, uint Experimenter, byte[] Data) : IOpenFlowMessage
{
    public const ushort ExperimenterType = 0xffff;

    public int Size => (Type == ExperimenterType ? 16 : 12) + Data.Length;

    public static ErrorMessage Read(ReadOnlySpan<byte> msg)
    {
        msg = OfpHeader.Frame(msg, 12, "error");
        var type = BinaryPrimitives.ReadUInt16BigEndian(msg[8..]);
        var code = BinaryPrimitives.ReadUInt16BigEndian(msg[10..]);
        if (type != ExperimenterType)
            return new ErrorMessage(type, code, 0, msg[12..].ToArray());
        ProtocolThrow.Need(msg, 16, "experimenter error");
        return new ErrorMessage(type, code, BinaryPrimitives.ReadUInt32BigEndian(msg[12..]), msg[16..].ToArray());
    }

    public void Write(Span<byte> dst, uint xid)
    {
        OfpHeader.Write(dst, OfpType.Error, Size, xid);
        BinaryPrimitives.WriteUInt16BigEndian(dst[8..], Type);
        BinaryPrimitives.WriteUInt16BigEndian(dst[10..], Code);
        var o = 12;
        if (Type == ExperimenterType)
        {
            BinaryPrimitives.WriteUInt32BigEndian(dst[12..], Experimenter);
            o = 16;
        }
        Data.CopyTo(dst[o..]);
    }

    /// <summary>The type of the request that failed, if the data holds its header.</summary>
    public OfpType? FailedRequestType => Data.Length >= OfpHeader.Size ? (OfpType)Data[1] : null;

    public string Reason => ErrorNames.Describe(Type, Code, Experimenter);

    public override string ToString() =>
        FailedRequestType is OfpType t ? $"{Reason} (in reply to {t})" : Reason;
}

/// <summary>Names of error types and codes, OpenFlow 1.3.5 §7.4.4 and the ONF/Nicira extension errors OVS uses.</summary>
public static class ErrorNames
{
    private static readonly string[] s_types =
    [
        "HELLO_FAILED", "BAD_REQUEST", "BAD_ACTION", "BAD_INSTRUCTION", "BAD_MATCH", "FLOW_MOD_FAILED",
        "GROUP_MOD_FAILED", "PORT_MOD_FAILED", "TABLE_MOD_FAILED", "QUEUE_OP_FAILED", "SWITCH_CONFIG_FAILED",
        "ROLE_REQUEST_FAILED", "METER_MOD_FAILED", "TABLE_FEATURES_FAILED",
    ];

    private static readonly Dictionary<ushort, string[]> s_codes = new()
    {
        [0] = ["INCOMPATIBLE", "EPERM"],
        [1] = ["BAD_VERSION", "BAD_TYPE", "BAD_MULTIPART", "BAD_EXPERIMENTER", "BAD_EXP_TYPE", "EPERM", "BAD_LEN",
               "BUFFER_EMPTY", "BUFFER_UNKNOWN", "BAD_TABLE_ID", "IS_SLAVE", "BAD_PORT", "BAD_PACKET", "MULTIPART_BUFFER_OVERFLOW"],
        [2] = ["BAD_TYPE", "BAD_LEN", "BAD_EXPERIMENTER", "BAD_EXP_TYPE", "BAD_OUT_PORT", "BAD_ARGUMENT", "EPERM",
               "TOO_MANY", "BAD_QUEUE", "BAD_OUT_GROUP", "MATCH_INCONSISTENT", "UNSUPPORTED_ORDER", "BAD_TAG",
               "BAD_SET_TYPE", "BAD_SET_LEN", "BAD_SET_ARGUMENT"],
        [3] = ["UNKNOWN_INST", "UNSUP_INST", "BAD_TABLE_ID", "UNSUP_METADATA", "UNSUP_METADATA_MASK",
               "BAD_EXPERIMENTER", "BAD_EXP_TYPE", "BAD_LEN", "EPERM"],
        [4] = ["BAD_TYPE", "BAD_LEN", "BAD_TAG", "BAD_DL_ADDR_MASK", "BAD_NW_ADDR_MASK", "BAD_WILDCARDS",
               "BAD_FIELD", "BAD_VALUE", "BAD_MASK", "BAD_PREREQ", "DUP_FIELD", "EPERM"],
        [5] = ["UNKNOWN", "TABLE_FULL", "BAD_TABLE_ID", "OVERLAP", "EPERM", "BAD_TIMEOUT", "BAD_COMMAND", "BAD_FLAGS"],
        [6] = ["GROUP_EXISTS", "INVALID_GROUP", "WEIGHT_UNSUPPORTED", "OUT_OF_GROUPS", "OUT_OF_BUCKETS",
               "CHAINING_UNSUPPORTED", "WATCH_UNSUPPORTED", "LOOP", "UNKNOWN_GROUP", "CHAINED_GROUP", "BAD_TYPE",
               "BAD_COMMAND", "BAD_BUCKET", "BAD_WATCH", "EPERM"],
        [7] = ["BAD_PORT", "BAD_HW_ADDR", "BAD_CONFIG", "BAD_ADVERTISE", "EPERM"],
        [8] = ["BAD_TABLE", "BAD_CONFIG", "EPERM"],
        [10] = ["BAD_FLAGS", "BAD_LEN", "EPERM"],
    };

    // ONF extension errors (experimenter 0x4f4e4600) for bundles on OpenFlow 1.3 (ONFERR_ET_*).
    private static readonly Dictionary<ushort, string> s_onf = new()
    {
        [2300] = "BUNDLE_UNKNOWN", [2301] = "BUNDLE_EPERM", [2302] = "BUNDLE_BAD_ID", [2303] = "BUNDLE_BUNDLE_EXIST",
        [2304] = "BUNDLE_BUNDLE_CLOSED", [2305] = "BUNDLE_OUT_OF_BUNDLES", [2306] = "BUNDLE_BAD_TYPE",
        [2307] = "BUNDLE_BAD_FLAGS", [2308] = "BUNDLE_MSG_BAD_LEN", [2309] = "BUNDLE_MSG_BAD_XID",
        [2310] = "BUNDLE_MSG_UNSUP", [2311] = "BUNDLE_MSG_CONFLICT", [2312] = "BUNDLE_MSG_TOO_MANY",
        [2313] = "BUNDLE_MSG_FAILED", [2314] = "BUNDLE_TIMEOUT", [2315] = "BUNDLE_IN_PROGRESS",
    };

    public static string Describe(ushort type, ushort code, uint experimenter = 0)
    {
        if (type == ErrorMessage.ExperimenterType)
        {
            if (experimenter == Bundle.OnfExperimenter && s_onf.TryGetValue(code, out var onf))
                return $"ONF {onf}";
            return $"experimenter 0x{experimenter:x8} error code {code}";
        }
        var typeName = type < s_types.Length ? s_types[type] : $"type {type}";
        var codeName = s_codes.TryGetValue(type, out var codes) && code < codes.Length ? codes[code] : $"code {code}";
        return $"{typeName} {codeName}";
    }
}
