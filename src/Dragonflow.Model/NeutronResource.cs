namespace Dragonflow.Model;

/// <summary>
/// An NB object that is also a Neutron resource: the fields every Neutron v2.0 resource shows
/// live on the NB object itself, so the API is served from the NB DB alone.
/// </summary>
public abstract class NeutronResource : NbObject
{
    public string? Name { get; set; }

    public string? Description { get; set; }

    public List<string> Tags { get; set; } = [];

    public DateTimeOffset? CreatedAt { get; set; }

    public DateTimeOffset? UpdatedAt { get; set; }
}
