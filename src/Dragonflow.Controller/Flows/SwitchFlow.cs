namespace Dragonflow.Controller.Flows;

/// <summary>
/// One switch flow key and the (app, owner) pairs that want it. A key has one owner: a second
/// one is a conflict (<see cref="Put"/> reports it) and is refused — its flow waits here and
/// takes over only if the holder lets go. Which one holds does not depend on the order of
/// events: it is the least (app id, owner), so a restart ends with the same table.
/// </summary>
internal sealed class SwitchFlow
{
    private readonly List<Want> _wants = new(1);

    internal readonly record struct Want(AppId App, FlowOwner Owner, DesiredFlow Flow);

    public int Count => _wants.Count;

    public IReadOnlyList<Want> Wants => _wants;

    /// <summary>The want that decides what the switch gets.</summary>
    public Want Winner
    {
        get
        {
            var best = _wants[0];
            for (var i = 1; i < _wants.Count; i++)
                if (Precedes(_wants[i], best)) best = _wants[i];
            return best;
        }
    }

    /// <summary>Adds or replaces the want of (app, owner); returns another owner's want of the same key, if any.</summary>
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
            else
            {
                conflict = w;
            }
        }
        if (!replaced) _wants.Add(want);
        return conflict;
    }

    public void Remove(AppId app, FlowOwner owner)
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

    private static bool Precedes(Want a, Want b) =>
        a.App.Value != b.App.Value ? a.App.Value < b.App.Value : a.Owner.CompareTo(b.Owner) < 0;
}
