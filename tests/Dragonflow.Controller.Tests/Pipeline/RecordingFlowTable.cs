using Dragonflow.Controller.Flows;

namespace Dragonflow.Controller.Tests.Pipeline;

/// <summary>A flow table that keeps what apps set, unchecked, so that tests can check it on their own terms.</summary>
internal sealed class RecordingFlowTable : IFlowTable
{
    private readonly Dictionary<(AppId App, FlowOwner Owner), IReadOnlyCollection<DesiredFlow>> _byOwner = [];

    public void Set(AppId app, FlowOwner owner, IEnumerable<DesiredFlow> flows)
    {
        var list = flows.ToList();
        if (list.Count == 0) _byOwner.Remove((app, owner));
        else _byOwner[(app, owner)] = list;
    }

    public void Clear(AppId app, FlowOwner owner) => _byOwner.Remove((app, owner));

    public IReadOnlyCollection<DesiredFlow> Get(AppId app, FlowOwner owner) => _byOwner.GetValueOrDefault((app, owner)) ?? [];

    /// <summary>Every flow with the app and owner that set it.</summary>
    public IReadOnlyList<(AppId App, FlowOwner Owner, DesiredFlow Flow)> All =>
        _byOwner.SelectMany(kv => kv.Value.Select(f => (kv.Key.App, kv.Key.Owner, f))).ToList();
}
