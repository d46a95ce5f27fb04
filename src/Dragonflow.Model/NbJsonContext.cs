using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dragonflow.Model;

/// <summary>
/// Source-generated JSON for the NB model: snake_case names, nulls omitted, unknown properties
/// kept in <see cref="NbObject.ExtensionData"/>.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(LogicalSwitch))]
[JsonSerializable(typeof(LogicalSubnet))]
[JsonSerializable(typeof(LogicalPort))]
[JsonSerializable(typeof(LogicalRouter))]
[JsonSerializable(typeof(FloatingIp))]
[JsonSerializable(typeof(SecurityGroup))]
[JsonSerializable(typeof(Chassis))]
[JsonSerializable(typeof(Publisher))]
[JsonSerializable(typeof(UniqueKeyCounter))]
[JsonSerializable(typeof(IpamClaim))]
[JsonSerializable(typeof(RbacPolicy))]
[JsonSerializable(typeof(SubnetPool))]
[JsonSerializable(typeof(AddressScope))]
[JsonSerializable(typeof(ProjectQuota))]
public sealed partial class NbJsonContext : JsonSerializerContext;
