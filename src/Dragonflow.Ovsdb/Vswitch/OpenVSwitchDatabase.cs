using System.Runtime.CompilerServices;
using Dragonflow.Ovsdb.Data;
using Dragonflow.Ovsdb.Monitoring;

namespace Dragonflow.Ovsdb.Vswitch;

/// <summary>
/// Typed operations on the Open_vSwitch database that a controller needs: bridges with their
/// controllers, ports and interfaces (tunnel, patch, internal, VM ports), external_ids, and a
/// stream of interface events. Every "ensure" reads first and writes only what differs, in
/// one transaction guarded by a wait precondition, so running it again — e.g. after a
/// controller restart — changes nothing and duplicates nothing.
/// </summary>
public sealed class OpenVSwitchDatabase(OvsdbClient client)
{
    public const string Database = "Open_vSwitch";
    private const int Attempts = 5;

    public OvsdbClient Client { get; } = client;

    // ---- bridges --------------------------------------------------------------------------

    /// <summary>Creates the bridge (with its internal port) or brings it to the spec. Returns its uuid.</summary>
    public async Task<Guid> EnsureBridgeAsync(BridgeSpec spec, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var existing = await SelectOneAsync("Bridge", spec.Name, cancellationToken);
                if (existing is null) return await CreateBridgeAsync(spec, cancellationToken);
                await UpdateBridgeAsync(existing, spec, cancellationToken);
                return existing.Uuid!.Value;
            }
            catch (OvsdbTransactionException ex) when (ex.Error == "timed out" && attempt < Attempts)
            {
                // Someone else created or removed it between our read and our write: look again.
            }
        }
    }

    private async Task<Guid> CreateBridgeAsync(BridgeSpec spec, CancellationToken cancellationToken)
    {
        var ops = new List<Operation>
        {
            Operation.WaitAbsent("Bridge", new[] { Condition.Equal("name", spec.Name) }),
            Operation.Insert("Interface", new Dictionary<string, OvsdbDatum> { ["name"] = spec.Name, ["type"] = "internal" }, "iface"),
            Operation.Insert("Port", new Dictionary<string, OvsdbDatum> { ["name"] = spec.Name, ["interfaces"] = OvsdbAtom.NamedUuid("iface") }, "port"),
        };
        var controllers = spec.Controllers ?? Array.Empty<ControllerSpec>();
        for (var i = 0; i < controllers.Count; i++)
            ops.Add(Operation.Insert("Controller", ControllerRow(controllers[i]), $"ctl{i}"));

        var bridge = new Dictionary<string, OvsdbDatum>
        {
            ["name"] = spec.Name,
            ["ports"] = OvsdbDatum.Set(OvsdbAtom.NamedUuid("port")),
            ["controller"] = OvsdbDatum.Set(Enumerable.Range(0, controllers.Count).Select(i => OvsdbAtom.NamedUuid($"ctl{i}"))),
        };
        if (spec.DatapathType is not null) bridge["datapath_type"] = spec.DatapathType;
        if (spec.FailMode is not null) bridge["fail_mode"] = spec.FailMode;
        if (spec.Protocols is not null) bridge["protocols"] = OvsdbDatum.Set(spec.Protocols.Select(p => (OvsdbAtom)p));
        if (spec.OtherConfig is not null) bridge["other_config"] = OvsdbDatum.Map(spec.OtherConfig);
        if (spec.ExternalIds is not null) bridge["external_ids"] = OvsdbDatum.Map(spec.ExternalIds);
        ops.Add(Operation.Insert("Bridge", bridge, "bridge"));
        ops.Add(Operation.Mutate("Open_vSwitch", Condition.All, new[] { Mutation.Insert("bridges", OvsdbAtom.NamedUuid("bridge")) }));
        ops.Add(Operation.Comment($"dragonflow: create bridge {spec.Name}"));

        var results = await Client.TransactAsync(Database, ops, cancellationToken);
        return results[ops.FindIndex(o => o.Op == "insert" && o.Json["table"]!.GetValue<string>() == "Bridge")].Uuid!.Value;
    }

    private async Task UpdateBridgeAsync(OvsdbRow row, BridgeSpec spec, CancellationToken cancellationToken)
    {
        var uuid = row.Uuid!.Value;
        var changes = new Dictionary<string, OvsdbDatum>();
        if (spec.DatapathType is not null && row.GetString("datapath_type") != spec.DatapathType) changes["datapath_type"] = spec.DatapathType;
        if (spec.FailMode is not null && row.GetString("fail_mode") != spec.FailMode) changes["fail_mode"] = spec.FailMode;
        if (spec.Protocols is not null)
        {
            var wanted = OvsdbDatum.Set(spec.Protocols.Select(p => (OvsdbAtom)p));
            if (!row["protocols"].Equals(wanted)) changes["protocols"] = wanted;
        }
        Merge(row, "other_config", spec.OtherConfig, changes);
        Merge(row, "external_ids", spec.ExternalIds, changes);

        var ops = new List<Operation>();
        if (spec.Controllers is not null)
        {
            var current = new List<OvsdbRow>();
            foreach (var ctl in row.GetUuids("controller"))
            {
                var r = await Client.TransactAsync(Database, new[] { Operation.Select("Controller", new[] { Condition.IsRow(ctl) }) }, cancellationToken);
                current.AddRange(r[0].Rows);
            }
            var keep = new List<OvsdbAtom>();
            var inserted = 0;
            foreach (var wanted in spec.Controllers)
            {
                var match = current.FirstOrDefault(c => c.GetString("target") == wanted.Target);
                if (match is null)
                {
                    ops.Add(Operation.Insert("Controller", ControllerRow(wanted), $"ctl{inserted}"));
                    keep.Add(OvsdbAtom.NamedUuid($"ctl{inserted++}"));
                    continue;
                }
                keep.Add(match.Uuid!.Value);
                var ctlChanges = ControllerRow(wanted).Where(p => !match[p.Key].Equals(p.Value)).ToDictionary();
                if (ctlChanges.Count > 0) ops.Add(Operation.Update("Controller", new[] { Condition.IsRow(match.Uuid!.Value) }, ctlChanges));
            }
            var wantedSet = OvsdbDatum.Set(keep);
            if (inserted > 0 || !row["controller"].Equals(wantedSet)) changes["controller"] = wantedSet;
        }

        if (changes.Count == 0 && ops.Count == 0) return;
        ops.Insert(0, Operation.Wait("Bridge", new[] { Condition.IsRow(uuid) }, new[] { "name" }, equal: true,
            new[] { new Dictionary<string, OvsdbDatum> { ["name"] = spec.Name } }, timeoutMs: 0));
        if (changes.Count > 0) ops.Add(Operation.Update("Bridge", new[] { Condition.IsRow(uuid) }, changes));
        ops.Add(Operation.Comment($"dragonflow: update bridge {spec.Name}"));
        await Client.TransactAsync(Database, ops, cancellationToken);
    }

    private static Dictionary<string, OvsdbDatum> ControllerRow(ControllerSpec c)
    {
        var row = new Dictionary<string, OvsdbDatum> { ["target"] = c.Target };
        row["connection_mode"] = c.ConnectionMode is null ? OvsdbDatum.EmptySet : c.ConnectionMode;
        if (c.InactivityProbeMs is { } probe) row["inactivity_probe"] = (long)probe;
        if (c.MaxBackoffMs is { } backoff) row["max_backoff"] = (long)backoff;
        return row;
    }

    /// <summary>Removes a bridge and its ports. Returns false when there was none.</summary>
    public async Task<bool> DeleteBridgeAsync(string name, CancellationToken cancellationToken = default)
    {
        var row = await SelectOneAsync("Bridge", name, cancellationToken);
        if (row is null) return false;
        await Client.TransactAsync(Database, new[]
        {
            Operation.Mutate("Open_vSwitch", Condition.All, new[] { Mutation.Delete("bridges", OvsdbDatum.UuidSet(new[] { row.Uuid!.Value })) }),
            Operation.Comment($"dragonflow: delete bridge {name}"),
        }, cancellationToken);
        return true;
    }

    public async Task<OvsBridge?> GetBridgeAsync(string name, CancellationToken cancellationToken = default)
    {
        var row = await SelectOneAsync("Bridge", name, cancellationToken);
        if (row is null) return null;
        var targets = new List<string>();
        foreach (var ctl in row.GetUuids("controller"))
        {
            var r = await Client.TransactAsync(Database, new[] { Operation.Select("Controller", new[] { Condition.IsRow(ctl) }, new[] { "target" }) }, cancellationToken);
            targets.AddRange(r[0].Rows.Select(x => x.GetString("target") ?? ""));
        }
        return new OvsBridge(row.Uuid!.Value, name, row.GetString("datapath_type") ?? "", row.GetString("fail_mode"),
            row.GetStrings("protocols"), targets, row.GetStringMap("other_config"), row.GetStringMap("external_ids"));
    }

    public async Task<IReadOnlyList<string>> ListBridgesAsync(CancellationToken cancellationToken = default)
    {
        var r = await Client.TransactAsync(Database, new[] { Operation.Select("Bridge", Condition.All, new[] { "name" }) }, cancellationToken);
        return r[0].Rows.Select(x => x.GetString("name") ?? "").Order(StringComparer.Ordinal).ToArray();
    }

    public Task SetBridgeExternalIdsAsync(string bridge, IReadOnlyDictionary<string, string> ids, CancellationToken cancellationToken = default) =>
        SetMapKeysAsync("Bridge", bridge, "external_ids", ids, cancellationToken);

    // ---- ports and interfaces -------------------------------------------------------------

    /// <summary>Creates the port (and its interface) on the bridge, or brings it to the spec;
    /// a port of that name on another bridge is moved. Returns the port's uuid.</summary>
    public async Task<Guid> EnsurePortAsync(PortSpec spec, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await EnsurePortOnceAsync(spec, cancellationToken);
            }
            catch (OvsdbTransactionException ex) when (ex.Error == "timed out" && attempt < Attempts)
            {
            }
        }
    }

    private async Task<Guid> EnsurePortOnceAsync(PortSpec spec, CancellationToken cancellationToken)
    {
        var read = await Client.TransactAsync(Database, new[]
        {
            Operation.Select("Bridge", new[] { Condition.Equal("name", spec.Bridge) }, new[] { "_uuid", "ports" }),
            Operation.Select("Port", new[] { Condition.Equal("name", spec.Name) }, new[] { "_uuid", "interfaces", "external_ids" }),
            Operation.Select("Interface", new[] { Condition.Equal("name", spec.Name) }, new[] { "_uuid", "type", "options", "external_ids", "ofport_request", "bfd" }),
        }, cancellationToken);
        var bridge = read[0].Rows.FirstOrDefault() ?? throw new OvsdbException($"bridge {spec.Bridge} does not exist");
        var bridgeUuid = bridge.Uuid!.Value;
        var port = read[1].Rows.FirstOrDefault();
        var iface = read[2].Rows.FirstOrDefault();

        if (port is null)
        {
            var ifaceRow = new Dictionary<string, OvsdbDatum>
            {
                ["name"] = spec.Name,
                ["type"] = spec.Type,
                ["options"] = OvsdbDatum.Map(spec.Options),
            };
            if (spec.ExternalIds is not null) ifaceRow["external_ids"] = OvsdbDatum.Map(spec.ExternalIds);
            if (spec.OfportRequest is { } req) ifaceRow["ofport_request"] = (long)req;
            if (spec.Bfd is not null) ifaceRow["bfd"] = OvsdbDatum.Map(spec.Bfd);
            var portRow = new Dictionary<string, OvsdbDatum> { ["name"] = spec.Name, ["interfaces"] = OvsdbAtom.NamedUuid("iface") };
            if (spec.PortExternalIds is not null) portRow["external_ids"] = OvsdbDatum.Map(spec.PortExternalIds);
            var results = await Client.TransactAsync(Database, new[]
            {
                Operation.WaitAbsent("Port", new[] { Condition.Equal("name", spec.Name) }),
                Operation.WaitAbsent("Interface", new[] { Condition.Equal("name", spec.Name) }),
                Operation.Insert("Interface", ifaceRow, "iface"),
                Operation.Insert("Port", portRow, "port"),
                Operation.Mutate("Bridge", new[] { Condition.IsRow(bridgeUuid) }, new[] { Mutation.Insert("ports", OvsdbAtom.NamedUuid("port")) }),
                Operation.Comment($"dragonflow: add port {spec.Name} to {spec.Bridge}"),
            }, cancellationToken);
            return results[3].Uuid!.Value;
        }

        var portUuid = port.Uuid!.Value;
        var ops = new List<Operation>
        {
            Operation.Wait("Port", new[] { Condition.IsRow(portUuid) }, new[] { "name" }, equal: true,
                new[] { new Dictionary<string, OvsdbDatum> { ["name"] = spec.Name } }, timeoutMs: 0),
        };
        if (!bridge.GetUuids("ports").Contains(portUuid))
        {
            // On another bridge: move the same row, so nothing is deleted and recreated.
            ops.Add(Operation.Mutate("Bridge", new[] { Condition.Includes("ports", OvsdbAtom.Uuid(portUuid)) },
                new[] { Mutation.Delete("ports", OvsdbAtom.Uuid(portUuid)) }));
            ops.Add(Operation.Mutate("Bridge", new[] { Condition.IsRow(bridgeUuid) }, new[] { Mutation.Insert("ports", OvsdbAtom.Uuid(portUuid)) }));
        }
        if (iface is not null)
        {
            var changes = new Dictionary<string, OvsdbDatum>();
            if (iface.GetString("type") != spec.Type) changes["type"] = spec.Type;
            var options = OvsdbDatum.Map(spec.Options);
            if (!iface["options"].Equals(options)) changes["options"] = options;
            if (spec.OfportRequest is { } req && iface.GetInteger("ofport_request") != req) changes["ofport_request"] = (long)req;
            if (spec.Bfd is not null && !iface["bfd"].Equals(OvsdbDatum.Map(spec.Bfd))) changes["bfd"] = OvsdbDatum.Map(spec.Bfd);
            Merge(iface, "external_ids", spec.ExternalIds, changes);
            if (changes.Count > 0) ops.Add(Operation.Update("Interface", new[] { Condition.IsRow(iface.Uuid!.Value) }, changes));
        }
        var portChanges = new Dictionary<string, OvsdbDatum>();
        Merge(port, "external_ids", spec.PortExternalIds, portChanges);
        if (portChanges.Count > 0) ops.Add(Operation.Update("Port", new[] { Condition.IsRow(portUuid) }, portChanges));

        if (ops.Count > 1)
        {
            ops.Add(Operation.Comment($"dragonflow: update port {spec.Name} on {spec.Bridge}"));
            await Client.TransactAsync(Database, ops, cancellationToken);
        }
        return portUuid;
    }

    /// <summary>Removes a port (and its interfaces) from whichever bridge has it. Returns false when there was none.</summary>
    public async Task<bool> DeletePortAsync(string name, CancellationToken cancellationToken = default)
    {
        var port = await SelectOneAsync("Port", name, cancellationToken);
        if (port is null) return false;
        var uuid = port.Uuid!.Value;
        var r = await Client.TransactAsync(Database, new[]
        {
            Operation.Mutate("Bridge", new[] { Condition.Includes("ports", OvsdbAtom.Uuid(uuid)) }, new[] { Mutation.Delete("ports", OvsdbAtom.Uuid(uuid)) }),
            Operation.Comment($"dragonflow: delete port {name}"),
        }, cancellationToken);
        return r[0].Count > 0;
    }

    public Task SetInterfaceExternalIdsAsync(string interfaceName, IReadOnlyDictionary<string, string> ids, CancellationToken cancellationToken = default) =>
        SetMapKeysAsync("Interface", interfaceName, "external_ids", ids, cancellationToken);

    public Task SetOpenVSwitchExternalIdsAsync(IReadOnlyDictionary<string, string> ids, CancellationToken cancellationToken = default) =>
        Client.TransactAsync(Database, new[] { Operation.Mutate("Open_vSwitch", Condition.All, MapSetMutations("external_ids", ids)) }, cancellationToken);

    /// <summary>Open_vSwitch external_ids (system-id, hostname, ...).</summary>
    public async Task<IReadOnlyDictionary<string, string>> GetOpenVSwitchExternalIdsAsync(CancellationToken cancellationToken = default)
    {
        var r = await Client.TransactAsync(Database, new[] { Operation.Select("Open_vSwitch", Condition.All, new[] { "external_ids" }) }, cancellationToken);
        return r[0].Rows.FirstOrDefault()?.GetStringMap("external_ids") ?? new Dictionary<string, string>();
    }

    public async Task<IReadOnlyList<OvsInterface>> GetInterfacesAsync(CancellationToken cancellationToken = default)
    {
        var r = await Client.TransactAsync(Database,
            new[] { Operation.Select("Interface", Condition.All, new[] { "_uuid" }.Concat(OvsInterface.Columns)) }, cancellationToken);
        return r[0].Rows.Select(row => OvsInterface.FromRow(row.Uuid!.Value, row)).ToArray();
    }

    /// <summary>
    /// The interfaces of <paramref name="bridge"/>'s ports only: each bridge numbers its ofports
    /// on its own, so an ofport means something only with its bridge. Read in one transaction.
    /// </summary>
    public async Task<IReadOnlyList<OvsInterface>> GetInterfacesAsync(string bridge, CancellationToken cancellationToken = default)
    {
        var r = await Client.TransactAsync(Database, new[]
        {
            Operation.Select("Bridge", new[] { Condition.Equal("name", bridge) }, new[] { "ports" }),
            Operation.Select("Port", Condition.All, new[] { "_uuid", "interfaces" }),
            Operation.Select("Interface", Condition.All, new[] { "_uuid" }.Concat(OvsInterface.Columns)),
        }, cancellationToken);
        var ports = r[0].Rows.SelectMany(b => b.GetUuids("ports")).ToHashSet();
        var interfaces = r[1].Rows.Where(p => ports.Contains(p.Uuid!.Value)).SelectMany(p => p.GetUuids("interfaces")).ToHashSet();
        return r[2].Rows.Where(i => interfaces.Contains(i.Uuid!.Value)).Select(row => OvsInterface.FromRow(row.Uuid!.Value, row)).ToArray();
    }

    /// <summary>
    /// Interface events built on a monitor: first every existing interface as Added (source
    /// Initial), then changes as they happen; after a reconnect, the differences found (source
    /// Resync). The monitor ends when the enumeration does.
    /// </summary>
    public async IAsyncEnumerable<InterfaceEvent> WatchInterfacesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var monitor = await Client.MonitorAsync(Database, new[] { new MonitorRequest("Interface", OvsInterface.Columns) },
            cancellationToken: cancellationToken);
        await foreach (var update in monitor.ReadUpdatesAsync(cancellationToken))
        {
            var source = update.Kind switch
            {
                MonitorUpdateKind.Initial => InterfaceEventSource.Initial,
                MonitorUpdateKind.Resync => InterfaceEventSource.Resync,
                _ => InterfaceEventSource.Live,
            };
            foreach (var c in update.Changes)
            {
                var now = c.New is null ? null : OvsInterface.FromRow(c.Uuid, c.New);
                var before = c.Old is null ? null : OvsInterface.FromRow(c.Uuid, c.Old);
                yield return c.Kind switch
                {
                    RowChangeKind.Insert => new InterfaceEvent(InterfaceEventKind.Added, now!, null, source),
                    RowChangeKind.Modify => new InterfaceEvent(InterfaceEventKind.Changed, now!, before, source),
                    _ => new InterfaceEvent(InterfaceEventKind.Removed, before!, before, source),
                };
            }
        }
    }

    // ---- shared -------------------------------------------------------------------------

    private async Task<OvsdbRow?> SelectOneAsync(string table, string name, CancellationToken cancellationToken)
    {
        var r = await Client.TransactAsync(Database, new[] { Operation.Select(table, new[] { Condition.Equal("name", name) }) }, cancellationToken);
        return r[0].Rows.FirstOrDefault();
    }

    /// <summary>Adds the spec's keys to a map column (replacing their values) when any differs.</summary>
    private static void Merge(OvsdbRow row, string column, IReadOnlyDictionary<string, string>? wanted, Dictionary<string, OvsdbDatum> changes)
    {
        if (wanted is null) return;
        var current = row.GetStringMap(column);
        if (wanted.All(p => current.TryGetValue(p.Key, out var v) && v == p.Value)) return;
        var merged = new Dictionary<string, string>(current);
        foreach (var (k, v) in wanted) merged[k] = v;
        changes[column] = OvsdbDatum.Map(merged);
    }

    private Task SetMapKeysAsync(string table, string name, string column, IReadOnlyDictionary<string, string> ids, CancellationToken cancellationToken) =>
        Client.TransactAsync(Database, new[] { Operation.Mutate(table, new[] { Condition.Equal("name", name) }, MapSetMutations(column, ids)) }, cancellationToken);

    /// <summary>A map "insert" keeps existing keys' values, so delete those keys first (RFC 7047 §5.1 mutators).</summary>
    private static Mutation[] MapSetMutations(string column, IReadOnlyDictionary<string, string> ids) => new[]
    {
        Mutation.Delete(column, OvsdbDatum.Set(ids.Keys.Select(k => (OvsdbAtom)k))),
        Mutation.Insert(column, OvsdbDatum.Map(ids)),
    };
}
