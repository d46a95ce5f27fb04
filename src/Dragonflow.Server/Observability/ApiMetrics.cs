using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Prometheus;

namespace Dragonflow.Server.Observability;

/// <summary>
/// Prometheus metrics of the Neutron API, in the process-wide default registry (served on the
/// API's own port at <c>/metrics</c>, next to the NB metrics of the same process). The route label
/// is the endpoint's template (<c>/v2.0/ports/{id}</c>), never the concrete path, so ids do not
/// become label values.
/// </summary>
static class ApiMetrics
{
    public static readonly Counter Requests = Metrics.CreateCounter(
        "dragonflow_api_requests_total",
        "Neutron API requests by method, route template and status code.",
        new CounterConfiguration { LabelNames = ["method", "route", "status"] });

    public static readonly Histogram RequestSeconds = Metrics.CreateHistogram(
        "dragonflow_api_request_seconds",
        "Neutron API request latency by method and route template.",
        new HistogramConfiguration { LabelNames = ["method", "route"], Buckets = Histogram.ExponentialBuckets(0.0005, 2, 14) });

    public static readonly Gauge InFlight = Metrics.CreateGauge(
        "dragonflow_api_requests_in_flight", "Neutron API requests being served.");

    /// <summary>Methods outside Neutron's set share one label value.</summary>
    public static string MethodLabel(string method) => method switch
    {
        "GET" or "POST" or "PUT" or "DELETE" or "HEAD" or "PATCH" or "OPTIONS" => method,
        _ => "OTHER",
    };

    /// <summary>The matched route template, or "unmatched" (404s of unknown paths, a bounded label).</summary>
    public static string RouteLabel(HttpContext context) =>
        context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } template } ? template : "unmatched";
}

/// <summary>Counts and times every request; sits outermost, so error bodies written further in are counted with their status.</summary>
sealed class ApiMetricsMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        ApiMetrics.InFlight.Inc();
        try
        {
            await next(context);
        }
        finally
        {
            ApiMetrics.InFlight.Dec();
            var method = ApiMetrics.MethodLabel(context.Request.Method);
            var route = ApiMetrics.RouteLabel(context);
            ApiMetrics.Requests.WithLabels(method, route, context.Response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
            ApiMetrics.RequestSeconds.WithLabels(method, route).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }
}
