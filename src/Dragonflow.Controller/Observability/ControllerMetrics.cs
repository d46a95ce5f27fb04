using Prometheus;

namespace Dragonflow.Controller.Observability;

/// <summary>
/// Prometheus metrics of one local controller. The definitions are static, in the process-wide
/// default registry (next to the NB and pub/sub metrics of <c>NbMetrics</c>); each controller
/// binds them to its <c>chassis</c> label, so that a process running several controllers (the
/// tests do) still tells them apart. Labels stay bounded: chassis (one per controller), table
/// numbers, app names, FLOW_MOD commands, event kinds; never port or network ids.
///
/// Flows per table are not counted as they change: the installer is asked when a scrape
/// collects (<see cref="CollectorRegistry.AddBeforeCollectCallback(Action)"/>), which keeps
/// the flush path free of bookkeeping.
/// </summary>
public sealed class ControllerMetrics : IDisposable
{
    /// <summary>Buckets from 50 µs to ~1.6 s, doubling: FLOW_MOD batches, barriers and port-up.</summary>
    static readonly double[] LatencyBuckets = Histogram.ExponentialBuckets(0.00005, 2, 16);

    public static readonly Gauge Flows = Metrics.CreateGauge(
        "dragonflow_controller_flows",
        "Flows per OpenFlow table: desired (what the apps want) and installed (acknowledged by the switch).",
        new GaugeConfiguration { LabelNames = ["chassis", "table", "state"] });

    public static readonly Counter FlowMods = Metrics.CreateCounter(
        "dragonflow_controller_flow_mods_total",
        "FLOW_MODs br-int accepted, by what they did (add, modify, delete, restamp); a reconcile's are included.",
        new CounterConfiguration { LabelNames = ["chassis", "command"] });

    public static readonly Counter FlowModsRejected = Metrics.CreateCounter(
        "dragonflow_controller_flow_mods_rejected_total",
        "FLOW_MODs the switch answered with an error.",
        new CounterConfiguration { LabelNames = ["chassis"] });

    public static readonly Counter FlowConflicts = Metrics.CreateCounter(
        "dragonflow_controller_flow_conflicts_total",
        "Flows refused because another owner already wants the same table, priority and match (a bug of an app or of the pipeline).",
        new CounterConfiguration { LabelNames = ["chassis"] });

    public static readonly Counter FlowsExpired = Metrics.CreateCounter(
        "dragonflow_controller_flows_expired_total",
        "Flows the switch removed by their idle or hard timeout (FLOW_REMOVED); their owners were told.",
        new CounterConfiguration { LabelNames = ["chassis"] });

    public static readonly Histogram BatchSeconds = Metrics.CreateHistogram(
        "dragonflow_controller_flow_batch_seconds",
        "Time to send one batch of FLOW_MODs and have its barrier acknowledged.",
        new HistogramConfiguration { LabelNames = ["chassis"], Buckets = LatencyBuckets });

    public static readonly Histogram BatchSize = Metrics.CreateHistogram(
        "dragonflow_controller_flow_batch_size",
        "FLOW_MODs per batch.",
        new HistogramConfiguration { LabelNames = ["chassis"], Buckets = Histogram.ExponentialBuckets(1, 4, 9) });

    public static readonly Histogram BarrierSeconds = Metrics.CreateHistogram(
        "dragonflow_controller_barrier_seconds",
        "Time from the last FLOW_MOD of a batch being written to the switch's barrier reply.",
        new HistogramConfiguration { LabelNames = ["chassis"], Buckets = LatencyBuckets });

    public static readonly Histogram PortUpSeconds = Metrics.CreateHistogram(
        "dragonflow_controller_port_up_seconds",
        "Port-up latency: from the later of the port's NB write and its interface appearing on br-int, to the barrier " +
        "acknowledging its flows (what `dragonflow bench convergence` measures).",
        new HistogramConfiguration { LabelNames = ["chassis"], Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16) });

    public static readonly Counter PacketIns = Metrics.CreateCounter(
        "dragonflow_controller_packet_ins_total",
        "Packet-ins from the switch, by the app whose flow sent them (the cookie's app byte; 'none' if no app claims it).",
        new CounterConfiguration { LabelNames = ["chassis", "app"] });

    public static readonly Counter Events = Metrics.CreateCounter(
        "dragonflow_controller_events_total",
        "Work items the event loop processed, by kind (nb_update, full_sync, interface, packet_in, ...).",
        new CounterConfiguration { LabelNames = ["chassis", "kind"] });

    public static readonly Counter FullSyncs = Metrics.CreateCounter(
        "dragonflow_controller_full_syncs_total",
        "Full syncs from NB applied (start-up, pub/sub gaps, publisher (re)connects, safety net).",
        new CounterConfiguration { LabelNames = ["chassis"] });

    public static readonly Counter Reconciles = Metrics.CreateCounter(
        "dragonflow_controller_reconciles_total",
        "Switch reconciles (a (re)connected br-int brought to the desired flows by aging).",
        new CounterConfiguration { LabelNames = ["chassis"] });

    public static readonly Counter MetadataRequests = Metrics.CreateCounter(
        "dragonflow_controller_metadata_requests_total",
        "Requests to the chassis' metadata proxy, by result: forwarded (Nova answered), refused (malformed, unknown asker, method), nova_failed (Nova unreachable or slow).",
        new CounterConfiguration { LabelNames = ["chassis", "result"] });

    public static readonly Gauge LocalPorts = Metrics.CreateGauge(
        "dragonflow_controller_local_ports",
        "NB ports plugged into br-int on this chassis.",
        new GaugeConfiguration { LabelNames = ["chassis"] });

    static readonly object Live = new();
    static readonly HashSet<ControllerMetrics> Instances = [];

    static ControllerMetrics() => Metrics.DefaultRegistry.AddBeforeCollectCallback(CollectAll);

    readonly HashSet<(string Table, string State)> _flowSeries = [];
    Func<IReadOnlyDictionary<byte, (int Desired, int Installed)>>? _flowsPerTable;

    public ControllerMetrics(string chassis)
    {
        Chassis = chassis;
        Rejected = FlowModsRejected.WithLabels(chassis);
        Batch = BatchSeconds.WithLabels(chassis);
        Size = BatchSize.WithLabels(chassis);
        Barrier = BarrierSeconds.WithLabels(chassis);
        PortUp = PortUpSeconds.WithLabels(chassis);
        Syncs = FullSyncs.WithLabels(chassis);
        Reconciled = Reconciles.WithLabels(chassis);
        Local = LocalPorts.WithLabels(chassis);
        Conflicts = FlowConflicts.WithLabels(chassis);
        Expired = FlowsExpired.WithLabels(chassis);
        lock (Live) Instances.Add(this);
    }

    public string Chassis { get; }

    public Counter.Child Rejected { get; }
    public Histogram.Child Batch { get; }
    public Histogram.Child Size { get; }
    public Histogram.Child Barrier { get; }
    public Histogram.Child PortUp { get; }
    public Counter.Child Syncs { get; }
    public Counter.Child Reconciled { get; }
    public Gauge.Child Local { get; }
    public Counter.Child Conflicts { get; }
    public Counter.Child Expired { get; }

    /// <summary>FLOW_MODs the switch accepted: add, modify, delete, or restamp (a reconcile's re-stamped flow).</summary>
    public void FlowModsDone(string command, long count)
    {
        if (count > 0) FlowMods.WithLabels(Chassis, command).Inc(count);
    }

    public void PacketIn(string app) => PacketIns.WithLabels(Chassis, app).Inc();

    public void Event(string kind) => Events.WithLabels(Chassis, kind).Inc();

    /// <summary>One request of the metadata proxy, by its result (<see cref="MetadataService.MetadataResults"/>).</summary>
    public void MetadataRequest(string result) => MetadataRequests.WithLabels(Chassis, result).Inc();

    /// <summary>Where the flows-per-table gauge reads its figures at each scrape (the flow installer).</summary>
    public void ReadFlowsFrom(Func<IReadOnlyDictionary<byte, (int Desired, int Installed)>> flowsPerTable)
    {
        lock (Live) _flowsPerTable = flowsPerTable;
    }

    static void CollectAll()
    {
        lock (Live)
            foreach (var m in Instances)
                m.CollectFlows();
    }

    /// <summary>Sets the gauge for every table that has flows; a table that lost them all drops to 0.</summary>
    void CollectFlows()
    {
        if (_flowsPerTable is null) return;
        var seen = new HashSet<(string, string)>();
        foreach (var (table, (desired, installed)) in _flowsPerTable())
        {
            var t = table.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Flows.WithLabels(Chassis, t, "desired").Set(desired);
            Flows.WithLabels(Chassis, t, "installed").Set(installed);
            seen.Add((t, "desired"));
            seen.Add((t, "installed"));
        }
        foreach (var (t, state) in _flowSeries)
            if (!seen.Contains((t, state))) Flows.WithLabels(Chassis, t, state).Set(0);
        _flowSeries.UnionWith(seen);
    }

    /// <summary>The controller stopped: its gauges go (counters and histograms stay, as Prometheus expects).</summary>
    public void Dispose()
    {
        lock (Live)
        {
            Instances.Remove(this);
            foreach (var (t, state) in _flowSeries) Flows.RemoveLabelled(Chassis, t, state);
            _flowSeries.Clear();
            LocalPorts.RemoveLabelled(Chassis);
        }
    }
}
