using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dragonflow.Testing;
using Dragonflow.Testing.Backends;
using Dragonflow.Testing.NorthDb;
using Xunit.Abstractions;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>
/// <c>dragonflow controller</c> as a process with <c>[df] metrics_listen</c> on port 0 and
/// <c>log_format = json</c>: it logs the port it picked, its /metrics there counts the port it
/// brought up, and its stdout is one JSON object per line naming the chassis and the port.
/// </summary>
public sealed class ControllerObservabilityProcessTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_controller_process_serves_metrics_and_logs_json_with_chassis_and_port_ids()
    {
        await using var s = await ControllerSandbox.CreateAsync();
        var a = await s.AddChassisAsync(startController: false);
        var config = a.WriteConfig(Path.Combine(a.Ovs.RunDirectory, "dragonflow.ini"));
        File.AppendAllText(config, "metrics_listen = 127.0.0.1:0\n\n[DEFAULT]\nlog_format = json\n");
        var lines = new List<string>();
        using var process = ChildProcess.StartDotnet(DragonflowCli.Dll, "controller", "--config", config);
        try
        {
            bool Collect(string line, Func<string, bool> until)
            {
                lines.Add(line);
                return until(line);
            }
            var announced = await process.WaitForLineAsync(l => Collect(l, x => x.Contains("metrics on", StringComparison.Ordinal)), TimeSpan.FromSeconds(30));
            var metrics = new Uri(Regex.Match(announced, @"http://127\.0\.0\.1:\d+/metrics").Value);
            Assert.NotEqual(0, metrics.Port);
            await process.WaitForLineAsync(l => Collect(l, x => x.Contains(" started", StringComparison.Ordinal)), TimeSpan.FromSeconds(30));

            var net = await s.CreateNetworkAsync(100);
            var port = await s.CreatePortAsync(net, "fa:16:3e:00:00:21", "10.0.0.21");
            s.Plug(a, port);
            await s.WaitForStatusAsync(port.Id, "ACTIVE", a.Host, TimeSpan.FromSeconds(30));

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var page = await PrometheusText.ScrapeAsync(http, metrics);
            var chassis = ("chassis", a.Host);
            Assert.Equal(1, page.Sum("dragonflow_controller_port_up_seconds_count", chassis));
            Assert.Equal(1, page.Sum("dragonflow_controller_local_ports", chassis));
            Assert.True(page.Sum("dragonflow_controller_flows", chassis, ("table", "0"), ("state", "desired")) > 0, page.Text);
            Assert.True(page.Sum("dragonflow_pubsub_received_total", ("table", "lport")) >= 1, page.Text);

            var bound = await process.WaitForLineAsync(l => Collect(l, x => x.Contains(port.Id, StringComparison.Ordinal) && x.Contains("bound here", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(20));
            foreach (var line in lines)
            {
                using var _ = JsonDocument.Parse(line); // every line is one JSON object
            }
            var entry = JsonNode.Parse(bound)!;
            Assert.Equal(port.Id, (string?)entry["State"]!["PortId"]);
            var scopes = entry["Scopes"]!.AsArray();
            Assert.Contains(scopes, sc => sc is JsonObject o && (string?)o["ChassisId"] == a.Host);
            Assert.Contains(scopes, sc => sc is JsonObject o && (string?)o["NetworkId"] == net.Id);
        }
        finally
        {
            output.WriteLine(string.Join("\n", lines.TakeLast(20)));
            output.WriteLine(process.StandardError);
        }
    }
}
