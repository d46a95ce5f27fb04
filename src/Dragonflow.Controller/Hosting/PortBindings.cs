using Dragonflow.Controller.Observability;
using Dragonflow.Controller.Topology;
using Dragonflow.Model;
using Dragonflow.NorthDb;
using Dragonflow.NorthDb.Observability;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Hosting;

/// <summary>
/// The port binding state machine. An interface whose iface-id names an lport makes the port
/// local; once the installer's barrier says its flows are on the switch, the port is bound to
/// this chassis in NB (chassis, binding_host_id) with status ACTIVE. A port bound here that is
/// no longer plugged, or that an app cannot serve here (<see cref="PortFaults"/>), is released (DOWN). One write per port at a time; the result comes back
/// to the event loop as <see cref="BindingWritten"/>. Used only from the event loop.
/// </summary>
internal sealed class PortBindings(string host, NbApi api, NbCache nb, BridgePorts bridge, PortFaults faults, Action<WorkItem> post,
    ControllerMetrics metrics, ILogger log)
{
    private readonly HashSet<string> _toActivate = new(StringComparer.Ordinal);
    private readonly HashSet<string> _toRelease = new(StringComparer.Ordinal);
    private readonly HashSet<string> _inFlight = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _pluggedAt = new(StringComparer.Ordinal);

    /// <summary>A local port's flows are on the switch and its binding is about to be written (raised on the event loop).</summary>
    public event Action<string>? FlowsInstalled;

    /// <summary>Whether the port's binding matches where it is plugged; if not it is written after the next flush.</summary>
    public void Check(string portId)
    {
        _toActivate.Remove(portId);
        _toRelease.Remove(portId);
        if (!nb.Ports.TryGetValue(portId, out var port)) return;
        if (bridge.IsLocal(portId) && faults.Has(portId))
        {
            // Plugged, but an app cannot serve it here (the reason is in the chassis report).
            if (port.Chassis == host) _toRelease.Add(portId);
        }
        else if (bridge.IsLocal(portId))
        {
            if (port.Chassis != host || port.BindingHostId != host || port.Status != PortStatuses.Active) _toActivate.Add(portId);
        }
        else if (port.Chassis == host)
        {
            _toRelease.Add(portId);
        }
    }

    /// <summary>The port's interface appeared here or went (the port-up clock starts at the first).</summary>
    public void Plugged(string portId, bool plugged)
    {
        if (plugged) _pluggedAt.TryAdd(portId, DateTimeOffset.UtcNow);
        else _pluggedAt.Remove(portId);
    }

    /// <summary>The flows are on the switch: write the bindings that are due.</summary>
    public void Flushed()
    {
        foreach (var id in _toActivate.Where(id => !_inFlight.Contains(id)).ToList())
        {
            FlowsInstalled?.Invoke(id);
            ObservePortUp(id);
            Write(id, bind: true);
        }
        foreach (var id in _toRelease.Where(id => !_inFlight.Contains(id)).ToList())
            Write(id, bind: false);
    }

    /// <summary>A binding write ended; the port is checked again (a failed write is retried).</summary>
    public void Written(string portId) => _inFlight.Remove(portId);

    /// <summary>
    /// Port-up latency of a port whose flows were just acknowledged: from the later of its NB
    /// write (the port's updated_at, NbApi's clock) and its interface appearing here.
    /// </summary>
    private void ObservePortUp(string portId)
    {
        if (!nb.Ports.TryGetValue(portId, out var port) || !_pluggedAt.TryGetValue(portId, out var plugged)) return;
        var written = port.UpdatedAt ?? port.CreatedAt ?? plugged;
        var since = written > plugged ? written : plugged;
        metrics.PortUp.Observe(Math.Max(0, (DateTimeOffset.UtcNow - since).TotalSeconds));
    }

    private void Write(string portId, bool bind)
    {
        _inFlight.Add(portId);
        _ = Task.Run(async () =>
        {
            LogicalPort? written = null;
            try
            {
                written = await api.UpdateAsync<LogicalPort>(portId, p =>
                {
                    if (bind)
                    {
                        p.Chassis = host;
                        p.BindingHostId = host;
                        p.Status = PortStatuses.Active;
                    }
                    else if (p.Chassis == host)
                    {
                        p.Chassis = null;
                        p.Status = PortStatuses.Down;
                    }
                });
                using (log.BeginScope(new LogIds(("NetworkId", written.Lswitch))))
                    log.LogInformation("port {PortId} {What}", portId, bind ? "bound here, ACTIVE" : "released, DOWN");
            }
            catch (NbKeyNotFoundException)
            {
                // Deleted meanwhile: nothing to bind.
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                log.LogWarning("writing the binding of port {PortId} failed: {Error}", portId, e.Message);
                await Task.Delay(500);
            }
            post(new BindingWritten(portId, written));
        });
    }
}
