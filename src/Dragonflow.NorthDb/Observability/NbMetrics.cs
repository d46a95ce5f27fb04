using Dragonflow.NorthDb.PubSub;
using Prometheus;

namespace Dragonflow.NorthDb.Observability;

/// <summary>
/// Prometheus metrics of the NB layer, in the process-wide default registry: every process that
/// opens an <see cref="NbApi"/> (server, controller, db CLI) counts its own NB operations and
/// pub/sub traffic. Labels are bounded: driver names, operation names, NB table names and pub/sub
/// actions are small fixed sets; object ids never become labels.
/// </summary>
public static class NbMetrics
{
    /// <summary>Buckets from 0.1 ms to ~3 s, doubling: NB calls and pub/sub delivery live in that range.</summary>
    static readonly double[] LatencyBuckets = Histogram.ExponentialBuckets(0.0001, 2, 16);

    public static readonly Counter Operations = Metrics.CreateCounter(
        "dragonflow_nb_operations_total",
        "NB database operations by driver, operation (get, create, update, delete, list, allocate) and table; result ok or error.",
        new CounterConfiguration { LabelNames = ["driver", "op", "table", "result"] });

    public static readonly Histogram OperationSeconds = Metrics.CreateHistogram(
        "dragonflow_nb_operation_seconds",
        "Latency of NB database operations by driver and operation.",
        new HistogramConfiguration { LabelNames = ["driver", "op"], Buckets = LatencyBuckets });

    public static readonly Counter Published = Metrics.CreateCounter(
        "dragonflow_pubsub_published_total",
        "DbUpdates handed to the publisher, by table and action.",
        new CounterConfiguration { LabelNames = ["table", "action"] });

    public static readonly Counter PublishFailures = Metrics.CreateCounter(
        "dragonflow_pubsub_publish_failures_total",
        "DbUpdates whose publishing failed (the write itself is committed; subscribers catch up by sync).");

    public static readonly Counter Received = Metrics.CreateCounter(
        "dragonflow_pubsub_received_total",
        "DbUpdates received by subscribers, by pub/sub driver, table and action.",
        new CounterConfiguration { LabelNames = ["driver", "table", "action"] });

    public static readonly Counter Gaps = Metrics.CreateCounter(
        "dragonflow_pubsub_gaps_total",
        "Seq gaps seen by subscribers (each one triggers a resync), by pub/sub driver.",
        new CounterConfiguration { LabelNames = ["driver"] });

    public static readonly Counter Missed = Metrics.CreateCounter(
        "dragonflow_pubsub_missed_updates_total",
        "DbUpdates known lost from the seq gaps, by pub/sub driver.",
        new CounterConfiguration { LabelNames = ["driver"] });

    public static readonly Histogram DeliverySeconds = Metrics.CreateHistogram(
        "dragonflow_pubsub_delivery_seconds",
        "Time from publishing a DbUpdate to its arrival at a subscriber (publisher and subscriber clocks), by pub/sub driver.",
        new HistogramConfiguration { LabelNames = ["driver"], Buckets = LatencyBuckets });

    /// <summary>Counts every update and gap <paramref name="subscriber"/> raises.</summary>
    public static void Observe(INbSubscriber subscriber, string driver)
    {
        subscriber.UpdateReceived += u =>
        {
            Received.WithLabels(driver, u.Table, ActionLabel(u.Action)).Inc();
            if (u.Timestamp > 0)
            {
                var delay = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0 - u.Timestamp;
                DeliverySeconds.WithLabels(driver).Observe(Math.Max(0, delay));
            }
        };
        subscriber.GapDetected += g =>
        {
            Gaps.WithLabels(driver).Inc();
            Missed.WithLabels(driver).Inc(Math.Max(0, g.Received - g.Expected));
        };
    }

    /// <summary>Unknown actions are passed through by the contract; the label keeps to the known ones.</summary>
    public static string ActionLabel(string action) => action switch
    {
        DbUpdateAction.Create or DbUpdateAction.Set or DbUpdateAction.Delete or DbUpdateAction.Sync => action,
        _ => "other",
    };

    /// <summary>Records one NB operation that took <paramref name="elapsed"/> and ended with <paramref name="result"/>.</summary>
    public static void Record(string driver, string op, string table, string result, TimeSpan elapsed)
    {
        Operations.WithLabels(driver, op, table, result).Inc();
        OperationSeconds.WithLabels(driver, op).Observe(elapsed.TotalSeconds);
    }

    /// <summary>The result label of an operation that threw: the NB outcomes callers handle, else error.</summary>
    public static string ResultOf(Exception e) => e switch
    {
        NbVersionConflictException => "conflict",
        NbKeyNotFoundException => "not_found",
        NbKeyExistsException => "exists",
        NbBackendUnavailableException => "unavailable",
        _ => "error",
    };
}
