namespace Dragonflow.ZooKeeper;

/// <summary>
/// The watches this session holds on the server, so they can be re-registered with SetWatches
/// after reconnecting to another member (the server keeps them per connection). A watch fires
/// once: data and exist watches go on created/deleted/data-changed, child watches on
/// children-changed/deleted.
/// </summary>
internal sealed class WatchRegistry
{
    private readonly HashSet<string> _data = new(StringComparer.Ordinal);
    private readonly HashSet<string> _exist = new(StringComparer.Ordinal);
    private readonly HashSet<string> _child = new(StringComparer.Ordinal);

    public void AddData(string path) => Add(_data, path);

    public void AddExist(string path) => Add(_exist, path);

    public void AddChild(string path) => Add(_child, path);

    public void Fired(ZooKeeperWatchEvent e)
    {
        if (e.Path is not { } path)
        {
            return;
        }
        lock (this)
        {
            switch (e.Type)
            {
                case WatchEventType.NodeCreated or WatchEventType.NodeDataChanged:
                    _data.Remove(path);
                    _exist.Remove(path);
                    break;
                case WatchEventType.NodeDeleted:
                    _data.Remove(path);
                    _exist.Remove(path);
                    _child.Remove(path);
                    break;
                case WatchEventType.NodeChildrenChanged:
                    _child.Remove(path);
                    break;
            }
        }
    }

    public (string[] Data, string[] Exist, string[] Child) Snapshot()
    {
        lock (this)
        {
            return (_data.ToArray(), _exist.ToArray(), _child.ToArray());
        }
    }

    public void Clear()
    {
        lock (this)
        {
            _data.Clear();
            _exist.Clear();
            _child.Clear();
        }
    }

    private void Add(HashSet<string> set, string path)
    {
        lock (this)
        {
            set.Add(path);
        }
    }
}
