using Dragonflow.Model;
using Dragonflow.NorthDb;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Hosting;

/// <summary>
/// The heartbeat: every report_interval the controller writes the time and its own state (OVSDB,
/// OpenFlow, pub/sub) into its chassis row, so `dragonflow status` can tell a live chassis from a
/// dead one by reading NB alone. A change of state (switch or publisher connected or lost) writes
/// one at once. A write that fails is reported with the next one that succeeds. Other
/// controllers ignore a chassis change that is only a heartbeat.
/// </summary>
public sealed partial class LocalController
{
    private readonly double _startedAt = UnixNow();
    private readonly SemaphoreSlim _heartbeatKick = new(0, 1);
    private long _heartbeats;
    private string? _lastNbError;
    private double? _lastNbErrorAt;

    /// <summary>Heartbeats written so far.</summary>
    public long Heartbeats => Interlocked.Read(ref _heartbeats);

    private static double UnixNow() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>Asks for a heartbeat now (the controller's state changed).</summary>
    private void KickHeartbeat()
    {
        try
        {
            _heartbeatKick.Release();
        }
        catch (SemaphoreFullException)
        {
            // One is already due.
        }
    }

    private async Task HeartbeatAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await WriteHeartbeatAsync(ct);
                Interlocked.Increment(ref _heartbeats);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                (_lastNbError, _lastNbErrorAt) = (e.Message, UnixNow());
                _log.LogWarning("heartbeat not written: {Error}", e.Message);
            }
            try
            {
                await _heartbeatKick.WaitAsync(_options.ReportInterval, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task WriteHeartbeatAsync(CancellationToken ct)
    {
        // Read from this background task: each value is a single reference or count read, good enough for a report.
        var report = new ControllerReport
        {
            OvsdbConnected = _ovsdb?.IsConnected == true,
            OpenflowConnected = _switch?.IsConnected == true,
            PubSubEnabled = _options.Nb.EnableDfPubSub,
            Publishers = _subscriber is { } s ? [.. s.ConnectedPublishers.Order(StringComparer.Ordinal)] : [],
            Apps = [.. _apps.Select(a => a.Id.Name)],
            IntegrationBridge = _options.IntegrationBridge,
            LocalPorts = _bridge.LocalPorts.Count,
            PortsDown = new Dictionary<string, string>(_faults.All, StringComparer.Ordinal),
            StartedAt = _startedAt,
            LastNbError = _lastNbError,
            LastNbErrorAt = _lastNbErrorAt,
        };
        var now = UnixNow();
        try
        {
            await _api!.UpdateAsync<Chassis>(_options.Host, c =>
            {
                c.LastSeenUp = now;
                c.ReportInterval = _options.ReportInterval.TotalSeconds;
                c.Controller = report;
            }, ct);
        }
        catch (NbKeyNotFoundException)
        {
            // Deleted by an operator (db rm): register again.
            var row = _options.ChassisRow();
            row.LastSeenUp = now;
            row.ReportInterval = _options.ReportInterval.TotalSeconds;
            row.Controller = report;
            await _api!.CreateAsync(row, ct);
        }
    }
}
