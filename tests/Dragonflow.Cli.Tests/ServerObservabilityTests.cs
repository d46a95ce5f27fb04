using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dragonflow.Testing;
using Dragonflow.Testing.Backends;
using Dragonflow.Testing.NorthDb;

namespace Dragonflow.Cli.Tests;

/// <summary>
/// <c>dragonflow server</c> as a process with <c>log_format = json</c>: /metrics on the API port
/// moves with the calls, and stdout is one JSON object per line whose properties carry the ids
/// of the objects written.
/// </summary>
public sealed class ServerObservabilityTests
{
    [Fact]
    public async Task Json_logs_carry_the_object_ids_and_metrics_count_the_calls()
    {
        using var dir = new ScratchDirectory("df-obs-");
        var port = LoopbackPort.Free();
        using var server = ChildProcess.StartDotnet(DragonflowCli.Dll, "server",
            "--set", "DEFAULT.log_format=json",
            "--set", $"api.bind=127.0.0.1:{port}",
            "--set", $"df.nb_db_path={dir.File("nb.db")}",
            "--set", "df.publisher_port=0");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        await Poll.UntilAsync(() => LoopbackPort.Accepts(port), TimeSpan.FromSeconds(30), "the API server listening: " + server.StandardError);

        var before = await PrometheusText.ScrapeAsync(http, new Uri("/metrics", UriKind.Relative));
        var network = await PostAsync(http, "networks", "network", new JsonObject { ["name"] = "obs-net" });
        await PostAsync(http, "subnets", "subnet", new JsonObject { ["network_id"] = network, ["cidr"] = "10.9.0.0/24", ["ip_version"] = 4 });
        var portId = await PostAsync(http, "ports", "port", new JsonObject { ["network_id"] = network });
        var after = await PrometheusText.ScrapeAsync(http, new Uri("/metrics", UriKind.Relative));

        // In its own process the figures are exact.
        (string, string)[] postPorts = [("method", "POST"), ("route", "/v2.0/ports"), ("status", "201")];
        Assert.Equal(0, before.Sum("dragonflow_api_requests_total", postPorts));
        Assert.Equal(1, after.Sum("dragonflow_api_requests_total", postPorts));
        Assert.Equal(1, after.Sum("dragonflow_pubsub_published_total", ("table", "lport"), ("action", "create")));
        Assert.True(after.Sum("dragonflow_nb_operations_total", ("driver", "sqlite"), ("op", "create"), ("table", "lport"), ("result", "ok")) >= 1);

        // The port's log line, as JSON, with its own id and its network's.
        var lines = new List<string>();
        await server.WaitForLineAsync(l =>
        {
            lines.Add(l);
            return l.Contains(portId, StringComparison.Ordinal) && l.Contains("created", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(20));
        foreach (var line in lines)
        {
            using var _ = JsonDocument.Parse(line); // every line is one JSON object
        }
        var entry = JsonNode.Parse(lines[^1])!;
        Assert.Equal("Information", (string?)entry["LogLevel"]);
        Assert.Equal("port", (string?)entry["State"]!["Resource"]);
        Assert.Equal(portId, (string?)entry["State"]!["Id"]);
        var scopes = entry["Scopes"]!.AsArray();
        Assert.Contains(scopes, s => s is JsonObject o && (string?)o["PortId"] == portId && (string?)o["NetworkId"] == network);
    }

    static async Task<string> PostAsync(HttpClient http, string collection, string member, JsonObject attributes)
    {
        using var content = new StringContent(new JsonObject { [member] = attributes }.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync($"/v2.0/{collection}", content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST {collection}: {(int)response.StatusCode} {text}");
        return (string)JsonNode.Parse(text)![member]!["id"]!;
    }
}
