using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dragonflow.Model;

/// <summary>
/// Base of every northbound object. The NB database stores these as JSON under
/// <c>/openstack/&lt;table&gt;/&lt;id&gt;</c> (<see cref="NbKey"/>), one table per type (<see cref="NbTables"/>).
/// </summary>
public abstract class NbObject
{
    /// <summary>Object id (Neutron uuid, chassis name, publisher id, ...).</summary>
    public string Id { get; set; } = "";

    /// <summary>The tenant (Neutron project_id); null for global objects such as chassis.</summary>
    public string? Topic { get; set; }

    /// <summary>Neutron's revision_number: incremented by NbApi on every successful write.</summary>
    public long Version { get; set; }

    /// <summary>
    /// Properties this build does not know. Kept so that an older reader that rewrites an object
    /// written by a newer one does not silently drop the newer fields.
    /// </summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
