using Dragonflow.Model;
using Dragonflow.NorthDb;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Hosting;

/// <summary>
/// The heartbeat: every report_interval the controller writes the time and its own state (OVSDB,
/// OpenFlow, pub/sub) into its chassis row, so `dragonflow status` can tell a live chassis from a
/// dead one by reading NB alone. Other controllers ignore a change that is only a heartbeat.
/// </summary>
public sealed partial class LocalController
{
    private readonly double _startedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>Heartbeats written so far.</summary>
    public long Heartbeats => Interlocked.Read(ref _heartbeats);

    private long _heartbeats;

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
                _log.LogWarning("heartbeat not written: {Error}", e.Message);
            }
            await DelayAsync(_options.ReportInterval, ct);
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
            StartedAt = _startedAt,
        };
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
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
            await _api!.CreateAsync(new Chassis
            {
                Id = _options.Host, Ip = _options.LocalIp, TunnelTypes = [.. _options.TunnelTypes],
                LastSeenUp = now, ReportInterval = _options.ReportInterval.TotalSeconds, Controller = report,
            }, ct);
        }
    }
}
