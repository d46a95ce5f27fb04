using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Dragonflow.Controller.Observability;

/// <summary>
/// A small HTTP listener serving the process' metrics in Prometheus text format at
/// <c>/metrics</c> ([df] metrics_listen). Kestrel, so that port 0 works and the bound address is known.
/// </summary>
public sealed class MetricsListener : IAsyncDisposable
{
    readonly WebApplication _app;

    MetricsListener(WebApplication app) => _app = app;

    /// <summary>Listens on <paramref name="endpoint"/> (host:port; port 0 picks a free one).</summary>
    public static async Task<MetricsListener> StartAsync(string endpoint, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://{endpoint}");
        var app = builder.Build();
        app.MapMetrics("/metrics");
        var listener = new MetricsListener(app);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            await listener.DisposeAsync();
            throw new MetricsListenException($"cannot serve metrics on {endpoint} ([df] metrics_listen): {e.Message}", e);
        }
        catch
        {
            await listener.DisposeAsync();
            throw;
        }
        return listener;
    }

    /// <summary>The URL of the metrics page, with the real port.</summary>
    public Uri Address =>
        new(new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()), "/metrics");

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync();
        }
        finally
        {
            await _app.DisposeAsync();
        }
    }
}

/// <summary>The metrics listener could not bind its address (in use, not local, ...).</summary>
public sealed class MetricsListenException(string message, Exception inner) : Exception(message, inner);
