using System.Net;
using System.Net.Sockets;
using Dragonflow.Controller.Apps.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.MetadataService;

/// <summary>
/// The chassis' metadata proxy: Kestrel on 169.254.169.254:80 behind the internal port
/// <see cref="MetadataAddress.InterfaceName"/>. The asking port is the one the source address
/// names (the switch wrote it, <see cref="MetadataAddress.PortKeyOf"/>); the request goes to
/// Nova's metadata API with Neutron's headers — X-Forwarded-For (the port's address),
/// X-Instance-ID (its device_id), X-Tenant-ID (its project), X-Instance-ID-Signature — and
/// Nova's answer goes back as it is. Nova unreachable or slow: 502 to the VM. A request from
/// an address that names no local port: 404; a method other than GET, HEAD, POST: 405; a
/// malformed request: Kestrel's 400. Every refusal is counted and logged (at most once a second).
/// </summary>
public sealed class MetadataProxy : IAsyncDisposable
{
    /// <summary>The largest request body accepted (POST of an instance's password is a few hundred bytes).</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>Connections open at once, all VMs of the chassis together (cloud-init asks a few times at boot).</summary>
    public const int MaxConnections = 1024;

    /// <summary>A VM's request line and headers: small (Kestrel's default is 32 KiB).</summary>
    public const int MaxHeaderBytes = 16 * 1024;

    /// <summary>How long a VM may take to send its headers before the connection is dropped.</summary>
    public static readonly TimeSpan HeadersTimeout = TimeSpan.FromSeconds(10);

    private static readonly string[] Methods = [HttpMethods.Get, HttpMethods.Head, HttpMethods.Post];

    private readonly MetadataProxyOptions _options;
    private readonly MetadataDirectory _directory;
    private readonly ILogger _log;
    private readonly HttpClient _nova;
    private readonly Action<string> _count;
    private WebApplication? _app;
    private long _lastWarningTicks;
    private long _forwarded, _refused, _novaFailures;

    private MetadataProxy(MetadataProxyOptions options, MetadataDirectory directory, ILogger log, Action<string> count)
    {
        _count = count;
        _options = options;
        _directory = directory;
        _log = log;
        _nova = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
        {
            BaseAddress = options.NovaBase,
            Timeout = options.NovaTimeout,
        };
    }

    /// <summary>Requests answered by Nova (whatever its status).</summary>
    public long Forwarded => Interlocked.Read(ref _forwarded);

    /// <summary>Requests refused here: malformed, an unknown asker, a method Nova does not serve.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Requests Nova did not answer (down, refused, too slow).</summary>
    public long NovaFailures => Interlocked.Read(ref _novaFailures);

    /// <summary>Configures the interface and starts listening in the chassis' namespace.</summary>
    /// <param name="count">Told the result of every request (<see cref="MetadataResults"/>), for the controller's metrics.</param>
    public static async Task<MetadataProxy> StartAsync(MetadataProxyOptions options, MetadataDirectory directory, ILogger log, Action<string> count,
        CancellationToken ct)
    {
        await ProxyInterface.ConfigureAsync(options.Namespace, ct);
        var proxy = new MetadataProxy(options, directory, log, count);
        try
        {
            using var socket = NamespaceSocket.Listen(options.Namespace, new IPEndPoint(MetadataAddress.Ipv4, MetadataAddress.Port));
            await proxy.StartKestrelAsync(NamespaceSocket.Duplicate(socket), ct);
        }
        catch
        {
            await proxy.DisposeAsync();
            throw;
        }
        return proxy;
    }

    private async Task StartKestrelAsync(ulong listenHandle, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new KestrelLog(_log, reason => Refuse(null, reason)));
        builder.Logging.AddFilter(KestrelLog.BadRequestCategory, LogLevel.Debug);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = MaxBodyBytes;
            k.Limits.MaxConcurrentConnections = MaxConnections;
            k.Limits.MaxRequestHeadersTotalSize = MaxHeaderBytes;
            k.Limits.RequestHeadersTimeout = HeadersTimeout;
            k.ListenHandle(listenHandle);
        });
        _app = builder.Build();
        _app.Run(HandleAsync);
        await _app.StartAsync(ct);
    }

    private async Task HandleAsync(HttpContext http)
    {
        var remote = http.Connection.RemoteIpAddress;
        if (remote is null || MetadataAddress.PortKeyOf(remote) is not { } key || _directory.Find(key) is not { } instance)
        {
            await RefuseAsync(http, StatusCodes.Status404NotFound, $"no local port asks from {remote}");
            return;
        }
        if (instance.InstanceId.Length == 0)
        {
            await RefuseAsync(http, StatusCodes.Status404NotFound, $"port {instance.PortId} belongs to no instance (empty device_id)");
            return;
        }
        if (!Methods.Contains(http.Request.Method))
        {
            await RefuseAsync(http, StatusCodes.Status405MethodNotAllowed, $"method {http.Request.Method} from port {instance.PortId}");
            return;
        }

        using var request = new HttpRequestMessage(new HttpMethod(http.Request.Method), http.Request.GetEncodedPathAndQuery().TrimStart('/'));
        try
        {
            if (HttpMethods.IsPost(http.Request.Method))
            {
                using var body = new MemoryStream();
                await http.Request.Body.CopyToAsync(body, http.RequestAborted);
                request.Content = new ByteArrayContent(body.ToArray());
            }
        }
        catch (BadHttpRequestException e)
        {
            await RefuseAsync(http, e.StatusCode, $"body from port {instance.PortId}: {e.Message}");
            return;
        }
        request.Headers.Add("X-Forwarded-For", instance.Address.ToString());
        request.Headers.Add("X-Instance-ID", instance.InstanceId);
        request.Headers.Add("X-Tenant-ID", instance.ProjectId);
        request.Headers.Add("X-Instance-ID-Signature", InstanceSignature.Of(instance.InstanceId, _options.SharedSecret));

        HttpResponseMessage answer;
        try
        {
            answer = await _nova.SendAsync(request, http.RequestAborted);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !http.RequestAborted.IsCancellationRequested)
        {
            Interlocked.Increment(ref _novaFailures);
            _count(MetadataResults.NovaFailed);
            Warn("Nova's metadata API at {Nova} did not answer port {PortId}: {Error}", _options.NovaBase, instance.PortId, e.Message);
            http.Response.StatusCode = StatusCodes.Status502BadGateway;
            await http.Response.WriteAsync("The metadata service is not available.\n", http.RequestAborted);
            return;
        }
        using (answer)
        {
            Interlocked.Increment(ref _forwarded);
            _count(MetadataResults.Forwarded);
            http.Response.StatusCode = (int)answer.StatusCode;
            if (answer.Content.Headers.ContentType is { } type) http.Response.ContentType = type.ToString();
            await answer.Content.CopyToAsync(http.Response.Body, http.RequestAborted);
        }
    }

    private async Task RefuseAsync(HttpContext http, int status, string reason)
    {
        Refuse(status, reason);
        http.Response.StatusCode = status;
        await http.Response.WriteAsync(ReasonPhrases.GetReasonPhrase(status) + "\n", http.RequestAborted);
    }

    private void Refuse(int? status, string reason)
    {
        Interlocked.Increment(ref _refused);
        _count(MetadataResults.Refused);
        Warn("metadata request refused ({Status}): {Reason}", status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "400", reason);
    }

    /// <summary>Logs a warning, at most one a second: a VM can send garbage faster than a log should grow.</summary>
    private void Warn(string message, params object?[] args)
    {
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastWarningTicks);
        if (now - last < 1000 && last != 0) return;
        if (Interlocked.CompareExchange(ref _lastWarningTicks, now, last) != last) return;
#pragma warning disable CA2254 // the templates are this class' own constants
        _log.LogWarning(message, args);
#pragma warning restore CA2254
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        _nova.Dispose();
    }
}

/// <summary>The results a metadata request is counted under.</summary>
public static class MetadataResults
{
    public const string Forwarded = "forwarded";
    public const string Refused = "refused";
    public const string NovaFailed = "nova_failed";
}
