using System.Globalization;
using Dragonflow.OpenFlow.Connection;
using Dragonflow.Ovsdb.Data;
using Dragonflow.Ovsdb.Vswitch;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Hosting;

/// <summary>
/// Which OpenFlow connection is br-int's. Only br-int's controller points at our listener, but
/// anything local can connect to it: a connection whose datapath id is not br-int's (as
/// ovsdb-server tells it) is refused and closed, so it can never take over the flow installer.
/// A newer connection from br-int's datapath replaces the current one (see the event loop).
/// </summary>
public sealed partial class LocalController
{
    private async Task<bool> IsIntegrationBridgeAsync(OpenFlowConnection connection, CancellationToken ct)
    {
        var expected = await IntegrationDatapathIdAsync(ct);
        if (expected is null || expected == connection.DatapathId) return true;
        _log.LogWarning("{Switch} refused: datapath {Datapath:x16} is not {Bridge}'s ({Expected:x16})",
            connection, connection.DatapathId, _options.IntegrationBridge, expected.Value);
        _dumpsAtConnect.TryRemove(connection, out _);
        await connection.DisposeAsync();
        return false;
    }

    /// <summary>
    /// The spelling of our listener's target to give br-int. After a restart, vswitchd still
    /// retries the old controller's target (the same address) on its backoff, at least 1 s apart;
    /// given the other spelling of it (<see cref="Dragonflow.OpenFlow.Connection.OpenFlowTarget.Respell"/>) it drops that and
    /// dials at once. The bridge keeps one controller throughout, so it flushes no flow.
    /// </summary>
    private async Task<string> ControllerTargetAsync(OpenVSwitchDatabase vswitch, CancellationToken ct)
    {
        var target = _listener!.Target;
        var respelled = Dragonflow.OpenFlow.Connection.OpenFlowTarget.Respell(target);
        var current = (await vswitch.GetBridgeAsync(_options.IntegrationBridge, ct))?.ControllerTargets ?? [];
        // Already connected to us (its retry came first): keep the spelling it used.
        if (_switchSeen) return current.Contains(respelled) ? respelled : target;
        return current.Contains(target) ? respelled : target;
    }

    /// <summary>br-int's datapath_id column; null if it cannot be read (then any datapath is taken).</summary>
    private async Task<ulong?> IntegrationDatapathIdAsync(CancellationToken ct)
    {
        try
        {
            var result = await _ovsdb!.TransactAsync(OpenVSwitchDatabase.Database,
                [Operation.Select("Bridge", [Condition.Equal("name", _options.IntegrationBridge)], ["datapath_id"])], ct);
            var text = result[0].Rows.FirstOrDefault()?.GetString("datapath_id");
            return ulong.TryParse(text, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var id) ? id : null;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            _log.LogWarning("reading {Bridge}'s datapath id failed ({Error}); accepting the switch", _options.IntegrationBridge, e.Message);
            return null;
        }
    }
}
