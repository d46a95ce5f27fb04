using Dragonflow.Controller.Topology;
using Dragonflow.Ovsdb.Vswitch;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Hosting;

/// <summary>
/// Keeps the BFD tunnel ports (<see cref="GatewayTunnel"/>) on br-int as NB says they should
/// be: one to every other chassis when this one is a gateway, one to every gateway otherwise.
/// Both ends compute the same pairs from the chassis rows, so BFD runs on both sides of each.
/// <see cref="Reconcile"/> runs on the loop and is cheap when nothing changed; the OVSDB
/// writes run in the background, one reconciliation at a time, and their result comes back as
/// interface events like any port's.
/// </summary>
internal sealed class GatewayTunnels(ControllerOptions options, NbCache nb, OpenVSwitchDatabase vswitch, ILogger log, CancellationToken stop)
{
    private IReadOnlyDictionary<string, PortSpec> _applied = new Dictionary<string, PortSpec>();
    private Task _writing = Task.CompletedTask;

    /// <summary>Set by a failed write (background), read by the loop: the next reconciliation writes again.</summary>
    private volatile bool _retry;

    /// <summary>The ports NB asks for, by name.</summary>
    public IReadOnlyDictionary<string, PortSpec> Desired()
    {
        var desired = new SortedDictionary<string, PortSpec>(StringComparer.Ordinal);
        var type = options.TunnelTypes.FirstOrDefault();
        if (type is null) return desired;
        var self = nb.Chassis.TryGetValue(options.Host, out var row) ? row.EnableChassisAsGateway : options.EnableChassisAsGateway;
        foreach (var chassis in nb.Chassis.Values)
        {
            if (chassis.Id == options.Host || !(self || chassis.EnableChassisAsGateway)) continue;
            if (chassis.TunnelTypes.Count > 0 && !chassis.TunnelTypes.Contains(type)) continue;
            if (GatewayTunnel.Endpoint(chassis.Ip) is not { } remote) continue;
            var name = GatewayTunnel.PortName(remote);
            desired[name] = PortSpec.Tunnel(options.IntegrationBridge, name, type, options.LocalIp, remoteIp: remote.ToString()) with
            {
                Bfd = new Dictionary<string, string>
                {
                    ["enable"] = "true",
                    ["min_rx"] = GatewayTunnel.BfdIntervalMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["min_tx"] = GatewayTunnel.BfdIntervalMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
                },
            };
        }
        return desired;
    }

    /// <summary>Starts bringing the ports to <see cref="Desired"/> if that changed since the last time.</summary>
    public void Reconcile()
    {
        var desired = Desired();
        var retry = _retry;
        _retry = false;
        if (!retry && desired.Count == _applied.Count && desired.Keys.All(_applied.ContainsKey)) return;
        _applied = desired;
        _writing = _writing.ContinueWith(_ => ApplyAsync(desired), stop, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
    }

    private async Task ApplyAsync(IReadOnlyDictionary<string, PortSpec> desired)
    {
        try
        {
            foreach (var spec in desired.Values) await vswitch.EnsurePortAsync(spec, stop);
            foreach (var iface in await vswitch.GetInterfacesAsync(options.IntegrationBridge, stop))
            {
                if (GatewayTunnel.IsGatewayTunnel(iface.Name) && !desired.ContainsKey(iface.Name))
                    await vswitch.DeletePortAsync(iface.Name, stop);
            }
            log.LogInformation("BFD tunnel ports: {Ports}", desired.Count == 0 ? "(none)" : string.Join(", ", desired.Keys));
        }
        catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
        {
            // Retried at the next batch of the loop (every heartbeat at the latest).
            _retry = true;
            log.LogWarning("BFD tunnel ports not brought up to date: {Error}", e.Message);
        }
    }
}
