namespace Dragonflow.Controller.Flows;

/// <summary>
/// The desired flow table as apps see it. Flows are grouped by owner: the NB object (or chassis
/// concern) that caused them (<see cref="FlowOwner"/>). An app replaces all flows of one owner
/// at once; the installer sends only the difference to the switch. Removing the owner removes
/// its flows. Apps never talk to the switch themselves.
///
/// Called only from the controller's event loop (one thread), so no locking is implied.
/// </summary>
public interface IFlowTable
{
    /// <summary>Replaces every flow that <paramref name="app"/> keeps for <paramref name="owner"/>.</summary>
    void Set(AppId app, FlowOwner owner, IEnumerable<DesiredFlow> flows);

    /// <summary>Drops every flow that <paramref name="app"/> keeps for <paramref name="owner"/>.</summary>
    void Clear(AppId app, FlowOwner owner);

    /// <summary>The flows <paramref name="app"/> keeps for <paramref name="owner"/> (empty if none).</summary>
    IReadOnlyCollection<DesiredFlow> Get(AppId app, FlowOwner owner);
}

/// <summary>
/// A small number naming an app; it goes into the upper bits of every flow cookie the app
/// installs, so a dumped flow tells who installed it.
/// </summary>
public readonly record struct AppId(byte Value, string Name)
{
    public override string ToString() => Name;
}
