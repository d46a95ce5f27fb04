namespace Dragonflow.Controller.Flows;

/// <summary>
/// One switch flow key and every (app, owner) that wants it. Several owners may want the same
/// key (e.g. a shared broadcast flow); the flow stays while any of them does. If they disagree
/// on the instructions, the most recent Set wins.
/// </summary>
internal sealed class SwitchFlow
{
    private readonly List<Want> _wants = new(1);

    internal readonly record struct Want(AppId App, string Owner, DesiredFlow Flow, long Sequence);

    public int Count => _wants.Count;

    public IReadOnlyList<Want> Wants => _wants;

    /// <summary>The want that decides what the switch gets: the latest one.</summary>
    public Want Winner
    {
        get
        {
            var best = _wants[0];
            for (var i = 1; i < _wants.Count; i++)
                if (_wants[i].Sequence > best.Sequence) best = _wants[i];
            return best;
        }
    }

    /// <summary>Adds or replaces the want of (app, owner); returns a conflicting other want, if any.</summary>
    public Want? Put(Want want)
    {
        Want? conflict = null;
        var replaced = false;
        for (var i = 0; i < _wants.Count; i++)
        {
            var w = _wants[i];
            if (w.App.Value == want.App.Value && w.Owner == want.Owner)
            {
                _wants[i] = want;
                replaced = true;
            }
            else if (!SameEffect(w.Flow, want.Flow))
            {
                conflict = w;
            }
        }
        if (!replaced) _wants.Add(want);
        return conflict;
    }

    public void Remove(AppId app, string owner)
    {
        for (var i = 0; i < _wants.Count; i++)
        {
            if (_wants[i].App.Value == app.Value && _wants[i].Owner == owner)
            {
                _wants.RemoveAt(i);
                return;
            }
        }
    }

    private static bool SameEffect(DesiredFlow a, DesiredFlow b) =>
        a.Instructions.Equals(b.Instructions) && a.IdleTimeout == b.IdleTimeout && a.HardTimeout == b.HardTimeout;
}
