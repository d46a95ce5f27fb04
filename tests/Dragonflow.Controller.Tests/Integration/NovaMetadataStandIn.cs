using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>
/// A stand-in for Nova's metadata API (nova-api-metadata cannot run here: it needs Nova's
/// database, conductor and Keystone catalogue). Like Nova it serves only requests that carry
/// Neutron's headers with a valid signature: X-Instance-ID of a known instance,
/// X-Instance-ID-Signature = hex HMAC-SHA256 of it with the shared secret, X-Tenant-ID its
/// project, X-Forwarded-For its address — anything else is a 403 (Nova's answer to a bad
/// signature) and is recorded. It answers /openstack/latest/meta_data.json per instance.
/// Listens on 127.0.0.1; can be stopped and started again on the same port.
/// </summary>
public sealed class NovaMetadataStandIn : IAsyncDisposable
{
    public const string MetaDataPath = "/openstack/latest/meta_data.json";

    private readonly string _secret;
    private readonly ConcurrentDictionary<string, (string Project, string Address)> _instances = new();
    private WebApplication? _app;

    public NovaMetadataStandIn(string secret) => _secret = secret;

    public int Port { get; private set; }

    /// <summary>Every request as (instance id, forwarded-for, verdict): "ok" or why it was refused.</summary>
    public ConcurrentQueue<(string? Instance, string? ForwardedFor, string Verdict)> Requests { get; } = new();

    /// <summary>An instance Nova knows: its id (a port's device_id), project and fixed address.</summary>
    public void AddInstance(string id, string project, string address) => _instances[id] = (project, address);

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{Port}");
        _app = builder.Build();
        _app.Run(AnswerAsync);
        await _app.StartAsync();
        Port = new Uri(_app.Urls.First()).Port;
    }

    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private async Task AnswerAsync(HttpContext http)
    {
        string? H(string name) => http.Request.Headers.TryGetValue(name, out var v) ? v.ToString() : null;
        var instance = H("X-Instance-ID");
        var forwarded = H("X-Forwarded-For");
        var verdict = Check(instance, H("X-Tenant-ID"), forwarded, H("X-Instance-ID-Signature"));
        Requests.Enqueue((instance, forwarded, verdict));
        if (verdict != "ok")
        {
            http.Response.StatusCode = StatusCodes.Status403Forbidden;
            await http.Response.WriteAsync(verdict);
            return;
        }
        if (http.Request.Path != MetaDataPath)
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        var (project, _) = _instances[instance!];
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(new JsonObject { ["uuid"] = instance, ["project_id"] = project, ["name"] = "vm-" + instance }.ToJsonString());
    }

    private string Check(string? instance, string? tenant, string? forwarded, string? signature)
    {
        if (instance is null || !_instances.TryGetValue(instance, out var known)) return $"unknown instance '{instance}'";
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(_secret), Encoding.UTF8.GetBytes(instance)));
        if (signature != expected) return $"bad signature '{signature}'";
        if (tenant != known.Project) return $"tenant '{tenant}' is not the instance's";
        if (forwarded != known.Address) return $"forwarded-for '{forwarded}' is not the instance's address";
        return "ok";
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}
