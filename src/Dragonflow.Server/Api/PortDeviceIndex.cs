using System.Text.Json;
using Dragonflow.Model;
using Dragonflow.NorthDb;
using Dragonflow.NorthDb.Drivers;

namespace Dragonflow.Server.Api;

/// <summary>
/// Ports by device_id, kept in the NB database (table index_port_device: one row per port whose
/// device_id is set, that id as the row's topic) because the NB drivers index only topics. A
/// list filtered on device_id then reads a few rows by topic and those ports, not every port, and
/// stays right with several API servers on one NB DB. Rows are written after the port; a row that
/// is missing or stale (a crash between the two writes, a DB written by an older server) is
/// repaired by <see cref="ReconcileAsync"/>, which each process runs before its first indexed list.
/// Candidates are always re-checked against the port itself, so a stale row never shows a wrong port.
/// </summary>
sealed class PortDeviceIndex(NbApi nb, Ipam.Reservations reservations)
{
    public static readonly string TableName = NbTables.PortDeviceIndex.Name;
    static readonly string Table = TableName;
    static readonly string PortTable = NbTables.Lport.Name;

    readonly SemaphoreSlim _reconcile = new(1, 1);
    volatile bool _reconciled;

    INbDriver Driver => nb.Driver;

    /// <summary>Points the port's row at its current device_id (or removes it when there is none).</summary>
    public async Task SetAsync(LogicalPort port)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var row = await Driver.GetAsync(Table, port.Id);
            try
            {
                if (port.DeviceId.Length == 0)
                {
                    if (row is not null)
                        await Driver.DeleteAsync(Table, port.Id, row.Revision);
                }
                else if (row is null)
                {
                    await Driver.CreateAsync(Table, port.Id, RowValue(port.Id), port.DeviceId);
                }
                else if (row.Topic != port.DeviceId)
                {
                    await Driver.UpdateAsync(Table, port.Id, RowValue(port.Id), port.DeviceId, row.Revision);
                }
                return;
            }
            catch (Exception e) when (e is NbKeyExistsException or NbKeyNotFoundException or NbVersionConflictException)
            {
                // Another writer moved the row meanwhile: read it again.
            }
        }
    }

    /// <summary>The row of a port just created: one write, no read.</summary>
    public async Task AddAsync(LogicalPort port)
    {
        if (port.DeviceId.Length == 0)
            return;
        try
        {
            await Driver.CreateAsync(Table, port.Id, RowValue(port.Id), port.DeviceId);
        }
        catch (NbKeyExistsException)
        {
            await SetAsync(port);
        }
    }

    public Task RemoveAsync(string portId) => reservations.ReleaseAsync(Table, portId);

    /// <summary>The stored ports that may have one of these device ids, ordered by id.</summary>
    public async Task<IReadOnlyList<NbEntry>> PortsAsync(IEnumerable<string> deviceIds)
    {
        await ReconcileOnceAsync();
        var ids = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var device in deviceIds.Distinct())
            ids.UnionWith(await Driver.ListIdsAsync(Table, device));
        var entries = new List<NbEntry>(ids.Count);
        foreach (var id in ids)
            if (await Driver.GetAsync(PortTable, id) is { } entry)
                entries.Add(entry);
        return entries;
    }

    async Task ReconcileOnceAsync()
    {
        if (_reconciled)
            return;
        await _reconcile.WaitAsync();
        try
        {
            if (!_reconciled)
                await ReconcileAsync();
            _reconciled = true;
        }
        finally
        {
            _reconcile.Release();
        }
    }

    /// <summary>Makes the rows match the ports: one full read of both tables.</summary>
    public async Task ReconcileAsync()
    {
        var rows = (await Driver.ListAsync(Table)).ToDictionary(r => r.Id, r => r.Topic, StringComparer.Ordinal);
        var ports = NbTables.Lport;
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in await Driver.ListAsync(PortTable))
        {
            live.Add(entry.Id);
            LogicalPort port;
            try
            {
                port = ports.Parse(entry.Value);
            }
            catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
            {
                continue;
            }
            port.Id = entry.Id;
            var want = port.DeviceId.Length == 0 ? null : port.DeviceId;
            if (rows.GetValueOrDefault(entry.Id) != want)
                await SetAsync(port);
        }
        foreach (var id in rows.Keys.Where(id => !live.Contains(id)))
            await RemoveAsync(id);
    }

    static string RowValue(string portId) => JsonSerializer.Serialize(new Dictionary<string, string> { ["owner"] = portId });
}
