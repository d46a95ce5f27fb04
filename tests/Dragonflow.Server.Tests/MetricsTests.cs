using System.Net;
using System.Text.Json.Nodes;
using Dragonflow.Server.Auth;
using Dragonflow.Testing;

namespace Dragonflow.Server.Tests;

/// <summary>
/// <c>GET /metrics</c> of the API server: Prometheus text whose figures move with the API calls
/// and the NB operations they cause. The registry is process-wide and other test classes run in
/// parallel, so the assertions are on increases of series only this test touches, or lower bounds.
/// </summary>
public class MetricsTests
{
    static async Task<PrometheusText> ScrapeAsync(ApiHost api)
    {
        using var response = await api.Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Api_requests_latency_and_nb_operations_move_with_the_calls()
    {
        await using var api = await ApiHost.StartAsync();
        var before = await ScrapeAsync(api);

        var network = await api.NetworkAsync("metrics-net");
        await api.SubnetAsync(network, "10.77.0.0/24");
        var port = await api.CreateAsync("ports", "port", new JsonObject { ["network_id"] = network });
        var missing = Guid.NewGuid().ToString();
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/v2.0/ports/{missing}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/v2.0/ports/{(string)port["id"]!}")).Status);

        var after = await ScrapeAsync(api);
        double Delta(string name, params (string, string)[] labels) => after.Sum(name, labels) - before.Sum(name, labels);

        Assert.True(Delta("dragonflow_api_requests_total", ("method", "POST"), ("route", "/v2.0/networks"), ("status", "201")) >= 1);
        Assert.True(Delta("dragonflow_api_requests_total", ("method", "POST"), ("route", "/v2.0/ports"), ("status", "201")) >= 1);
        Assert.True(Delta("dragonflow_api_requests_total", ("method", "GET"), ("route", "/v2.0/ports/{id}"), ("status", "404")) >= 1);
        Assert.True(Delta("dragonflow_api_requests_total", ("method", "GET"), ("route", "/v2.0/ports/{id}"), ("status", "200")) >= 1);
        Assert.True(Delta("dragonflow_api_request_seconds_count", ("method", "POST"), ("route", "/v2.0/ports")) >= 1);
        Assert.True(after.Sum("dragonflow_api_request_seconds_sum", ("method", "POST"), ("route", "/v2.0/ports")) > 0);

        // The NB writes behind them, by operation and table, timed.
        Assert.True(Delta("dragonflow_nb_operations_total", ("driver", "sqlite"), ("op", "create"), ("table", "lswitch"), ("result", "ok")) >= 1);
        Assert.True(Delta("dragonflow_nb_operations_total", ("driver", "sqlite"), ("op", "create"), ("table", "lport"), ("result", "ok")) >= 1);
        Assert.True(Delta("dragonflow_nb_operations_total", ("driver", "sqlite"), ("op", "get"), ("table", "lport")) >= 2);
        Assert.True(Delta("dragonflow_nb_operation_seconds_count", ("driver", "sqlite"), ("op", "create")) >= 2);
        // Every write was handed to the publisher.
        Assert.True(Delta("dragonflow_pubsub_published_total", ("table", "lport"), ("action", "create")) >= 1);

        // Ids never become label values: routes are templates.
        Assert.DoesNotContain(after.Samples, s => s.Labels.Values.Any(v => v.Contains(missing) || v.Contains(network)));
    }

    [Fact]
    public async Task Metrics_need_no_token_when_the_api_does()
    {
        var tokens = StaticTokens.Parse("tok-admin ops admin");
        await using var api = await ApiHost.StartAsync(tokens: tokens);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/v2.0/networks")).Status);

        var page = await ScrapeAsync(api);
        Assert.True(page.Sum("dragonflow_api_requests_total", ("route", "/v2.0/networks"), ("status", "401")) >= 1, page.Text);
        // The process' own figures come along (prometheus-net's defaults).
        Assert.True(page.Has("process_cpu_seconds_total"));
    }
}
