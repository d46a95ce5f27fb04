using Dragonflow.Model;
using Dragonflow.Testing;
using Dragonflow.Testing.NorthDb;
using Xunit.Abstractions;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>
/// A controller's <c>/metrics</c> ([df] metrics_listen) on a real chassis: the figures move
/// when a port is plugged, its flows go in, and a DHCP client sends packet-ins. The chassis has
/// a name of its own, so its series are this test's alone although the registry is process-wide.
/// </summary>
public sealed class ControllerMetricsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private ControllerSandbox _s = null!;
    private readonly DhcpClients _clients = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public async Task InitializeAsync() => _s = await ControllerSandbox.CreateAsync();

    public async Task DisposeAsync()
    {
        foreach (var c in _s.Chassis)
            output.WriteLine(c.Host + ":\n" + string.Join("\n", c.Log.Entries.TakeLast(30)));
        _http.Dispose();
        _clients.Dispose();
        await _s.DisposeAsync();
    }

    [Fact]
    public async Task Flows_per_table_flow_mods_port_up_pubsub_and_dhcp_packet_ins_show_on_metrics()
    {
        var a = await _s.AddChassisAsync(startController: false);
        var host = "metrics-" + Guid.NewGuid().ToString("n")[..8];
        a.Options = a.Options with { Host = host, Apps = ["l2", "tunneling", "dhcp", "aging"], MetricsListen = "127.0.0.1:0" };
        await a.StartControllerAsync();
        var url = a.Controller!.MetricsAddress!;
        Assert.Equal("/metrics", url.AbsolutePath);
        var chassis = ("chassis", host);

        var start = await PrometheusText.ScrapeAsync(_http, url);
        Assert.Equal(0, start.Sum("dragonflow_controller_port_up_seconds_count", chassis));
        Assert.Equal(0, start.Sum("dragonflow_controller_packet_ins_total", chassis));
        // The start-up sync and the reconcile of br-int (the canary at least).
        Assert.True(start.Sum("dragonflow_controller_full_syncs_total", chassis) >= 1, start.Text);

        var net = await _s.CreateNetworkAsync(100);
        await _s.Api.UpdateAsync<LogicalSubnet>("sub-" + net.Id, sn =>
        {
            sn.GatewayIp = "10.0.0.1";
            sn.DhcpIp = "10.0.0.2";
        });
        var port = await _s.CreatePortAsync(net, "fa:16:3e:00:00:10", "10.0.0.10");
        var vm = _s.Ovs.AddVm(a.Ovs, new Dragonflow.Testing.Sandbox.VmOptions { Mac = port.Macs[0], IfaceId = port.Id });
        await _s.WaitForStatusAsync(port.Id, "ACTIVE", host, TimeSpan.FromSeconds(30));

        var bound = await PrometheusText.ScrapeAsync(_http, url);
        Assert.True(bound.Sum("dragonflow_controller_port_up_seconds_count", chassis) >= 1, bound.Text);
        Assert.True(bound.Sum("dragonflow_controller_port_up_seconds_sum", chassis) > 0);
        Assert.Equal(1, bound.Sum("dragonflow_controller_local_ports", chassis));
        Assert.True(bound.Sum("dragonflow_controller_flow_mods_total", chassis, ("command", "add")) >
            start.Sum("dragonflow_controller_flow_mods_total", chassis, ("command", "add")));
        Assert.True(bound.Sum("dragonflow_controller_flow_batch_seconds_count", chassis) > start.Sum("dragonflow_controller_flow_batch_seconds_count", chassis));
        Assert.True(bound.Sum("dragonflow_controller_barrier_seconds_count", chassis) > start.Sum("dragonflow_controller_barrier_seconds_count", chassis));
        Assert.True(bound.Sum("dragonflow_controller_events_total", chassis, ("kind", "NbUpdateReceived")) >= 1);
        Assert.True(bound.Sum("dragonflow_controller_events_total", chassis, ("kind", "InterfaceChanged")) >= 1);
        // NB traffic of this process: the writes arrived through ZeroMQ, the binding was written back.
        Assert.True(bound.Sum("dragonflow_pubsub_received_total", ("driver", "zmq"), ("table", "lport")) >= 1);
        Assert.True(bound.Sum("dragonflow_nb_operations_total", ("op", "update"), ("table", "lport"), ("result", "ok")) >= 1);

        // Flows per table: the VM's port is dispatched in table 0 and delivered in 78; the dhcp
        // app owns table 11. Once the installer is idle, what is desired is installed.
        await Poll.UntilAsync(async () =>
        {
            var page = await PrometheusText.ScrapeAsync(_http, url);
            return new[] { "0", "11", "78" }.All(t =>
                page.Sum("dragonflow_controller_flows", chassis, ("table", t), ("state", "installed")) > 0 &&
                page.Sum("dragonflow_controller_flows", chassis, ("table", t), ("state", "installed")) ==
                page.Sum("dragonflow_controller_flows", chassis, ("table", t), ("state", "desired")));
        }, TimeSpan.FromSeconds(20), "flows of tables 0, 11 and 78 desired and installed");
        var flows = await PrometheusText.ScrapeAsync(_http, url);
        Assert.Equal(a.Controller.FlowStats!.InstalledFlows, (int)flows.Sum("dragonflow_controller_flows", chassis, ("state", "installed")));

        // Traffic: a DHCP exchange is two packet-ins (DISCOVER, REQUEST) of the dhcp app.
        var dhcp = _clients.Udhcpc(vm);
        Assert.True(dhcp.Succeeded, dhcp.ToString());
        await Poll.UntilAsync(async () =>
            (await PrometheusText.ScrapeAsync(_http, url)).Sum("dragonflow_controller_packet_ins_total", chassis, ("app", "dhcp")) >= 2,
            TimeSpan.FromSeconds(10), "two dhcp packet-ins counted");
        var after = await PrometheusText.ScrapeAsync(_http, url);
        Assert.Equal(0, after.Sum("dragonflow_controller_packet_ins_total", chassis, ("app", "none")));

        // No id is ever a label value.
        Assert.DoesNotContain(after.Samples, s => s.Labels.Values.Any(v => v == port.Id || v == net.Id));
    }

    [Fact]
    public async Task Without_metrics_listen_there_is_no_listener_and_a_stopped_controller_drops_its_gauges()
    {
        var a = await _s.AddChassisAsync(startController: false);
        var host = "metrics-" + Guid.NewGuid().ToString("n")[..8];
        a.Options = a.Options with { Host = host };
        await a.StartControllerAsync();
        Assert.Null(a.Controller!.MetricsAddress);
        // The process-wide registry still has this controller's figures (the server or another listener may serve them).
        await Poll.UntilAsync(async () => (await ExportAsync()).Sum("dragonflow_controller_flows", ("chassis", host), ("state", "installed")) >= 1,
            TimeSpan.FromSeconds(20), "installed flows of the new controller in the registry");

        await a.StopControllerAsync();
        var stopped = await ExportAsync();
        Assert.False(stopped.Samples.Any(s => s.Name == "dragonflow_controller_flows" && s.Labels.GetValueOrDefault("chassis") == host), stopped.Text);
    }

    [Fact]
    public async Task A_metrics_address_in_use_stops_the_start_with_a_message_naming_the_option()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        var a = await _s.AddChassisAsync(startController: false);
        a.Options = a.Options with { MetricsListen = $"127.0.0.1:{port}" };
        var e = await Assert.ThrowsAsync<Dragonflow.Controller.Observability.MetricsListenException>(a.StartControllerAsync);
        Assert.Contains("metrics_listen", e.Message);
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
    }

    [Fact]
    public async Task A_lost_pubsub_update_counts_as_a_gap_and_a_full_sync()
    {
        var a = await _s.AddChassisAsync(startController: false);
        var host = "metrics-" + Guid.NewGuid().ToString("n")[..8];
        a.Options = a.Options with { Host = host };
        await a.StartControllerAsync();
        var controller = a.Controller!;
        var net = await _s.CreateNetworkAsync(100);

        // Once the start-up syncs are over (none for 1.5 s), a port reaches the cache through pub/sub:
        // the subscriber now follows the topic's seq.
        var quietSince = DateTime.UtcNow;
        var seen = controller.FullSyncs;
        await Poll.UntilAsync(() =>
        {
            if (controller.FullSyncs != seen) (seen, quietSince) = (controller.FullSyncs, DateTime.UtcNow);
            return DateTime.UtcNow - quietSince > TimeSpan.FromSeconds(1.5);
        }, TimeSpan.FromSeconds(20), "the start-up syncs are over");
        var cached = controller.CachedPortCount;
        await _s.CreatePortAsync(net, "fa:16:3e:00:00:31", "10.0.0.31");
        await Poll.UntilAsync(() => controller.CachedPortCount == cached + 1, TimeSpan.FromSeconds(10), "the warm-up port is cached");

        var before = await ExportAsync();
        var publisher = Assert.IsType<Dragonflow.NorthDb.PubSub.Zmq.ZmqNbPublisher>(_s.Api.Publisher);
        var lost = await WithDroppedAsync(publisher, () => _s.CreatePortAsync(net, "fa:16:3e:00:00:32", "10.0.0.32"));
        await _s.CreatePortAsync(net, "fa:16:3e:00:00:33", "10.0.0.33");

        await Poll.UntilAsync(async () =>
        {
            var now = await ExportAsync();
            return now.Sum("dragonflow_pubsub_gaps_total", ("driver", "zmq")) > before.Sum("dragonflow_pubsub_gaps_total", ("driver", "zmq"))
                && now.Sum("dragonflow_controller_full_syncs_total", ("chassis", host)) > before.Sum("dragonflow_controller_full_syncs_total", ("chassis", host));
        }, TimeSpan.FromSeconds(10), "a gap and the full sync it caused");
        var after = await ExportAsync();
        Assert.True(after.Sum("dragonflow_pubsub_missed_updates_total", ("driver", "zmq")) - before.Sum("dragonflow_pubsub_missed_updates_total", ("driver", "zmq")) >= 1);
        Assert.True(after.Sum("dragonflow_controller_events_total", ("chassis", host), ("kind", "FullSyncRequested")) >
            before.Sum("dragonflow_controller_events_total", ("chassis", host), ("kind", "FullSyncRequested")));
        // The full sync brought the lost port in.
        await Poll.UntilAsync(() => controller.CachedPortCount == cached + 3, TimeSpan.FromSeconds(10), $"port {lost.Id} cached after the sync");
    }

    /// <summary>Runs <paramref name="write"/> with the update of the port it creates dropped by the publisher.</summary>
    private static async Task<LogicalPort> WithDroppedAsync(Dragonflow.NorthDb.PubSub.Zmq.ZmqNbPublisher publisher, Func<Task<LogicalPort>> write)
    {
        publisher.DropForTest = u => u.Table == "lport" && u.Action == "create";
        try
        {
            return await write();
        }
        finally
        {
            publisher.DropForTest = null;
        }
    }

    private static async Task<PrometheusText> ExportAsync()
    {
        using var stream = new MemoryStream();
        await Prometheus.Metrics.DefaultRegistry.CollectAndExportAsTextAsync(stream);
        return PrometheusText.Parse(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }
}
