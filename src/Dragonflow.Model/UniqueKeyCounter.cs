namespace Dragonflow.Model;

/// <summary>
/// The last unique key handed out for one table (table <c>unique_key</c>, id = the table name).
/// Drivers keep it under <c>/openstack/unique_key/&lt;table&gt;</c> and bump it atomically.
/// </summary>
public sealed class UniqueKeyCounter : NbObject
{
    public long Value { get; set; }
}
