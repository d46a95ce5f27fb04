using Dragonflow.NorthDb;
using Dragonflow.Server.Api;
using Dragonflow.Server.Auth;
using Dragonflow.Server.Http;
using Dragonflow.Server.Observability;
using Dragonflow.Server.Resources;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Dragonflow.Server.Hosting;

/// <summary>
/// The Neutron v2.0 API server: Kestrel on <see cref="ServerOptions.Bind"/>, every resource served
/// from the NB database through <see cref="NbApi"/>. The caller owns the NbApi (and its publisher).
/// </summary>
public sealed class NeutronServer : IAsyncDisposable
{
    readonly WebApplication _app;
    readonly IDisposable? _authenticator;

    NeutronServer(WebApplication app, IDisposable? authenticator)
    {
        _app = app;
        _authenticator = authenticator;
    }

    public static NeutronServer Create(NbApi nb, ServerOptions options, Action<ILoggingBuilder>? logging = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        if (logging is not null)
            logging(builder.Logging);
        builder.WebHost.UseUrls($"http://{options.Bind}");
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(k => k.AddServerHeader = false);
        // Every Results.Json body: the encoder the error and list bodies use too.
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Encoder = ApiJson.Encoder);
        var app = builder.Build();
        var loggers = app.Services.GetRequiredService<ILoggerFactory>();
        var authenticator = Authenticator(options, loggers);
        app.Use(JsonSuffix.Strip);
        app.UseRouting(); // after the suffix is gone, where routing would otherwise run implicitly
        app.UseMiddleware<ApiMetricsMiddleware>();
        app.UseMiddleware<NeutronErrorMiddleware>();
        app.Use(next => new AuthMiddleware(next, authenticator, options.DefaultProject, loggers.CreateLogger("Dragonflow.Server.Auth")).InvokeAsync);

        // Prometheus text format: API, NB and pub/sub figures of this process. No token needed
        // (only /v2.0 is guarded), as scrapers carry none.
        app.MapMetrics("/metrics");

        var plugin = new CorePlugin(nb, options, loggers.CreateLogger("Dragonflow.Server.Api"));
        var networks = new NetworkEndpoints(plugin);
        var subnets = new SubnetEndpoints(plugin);
        var ports = new PortEndpoints(plugin);
        var routers = new RouterEndpoints(plugin);
        var floatingIps = new FloatingIpEndpoints(plugin);
        var groups = new SecurityGroupEndpoints(plugin);
        var rules = new SecurityGroupRuleEndpoints(plugin);
        var rbac = new RbacPolicyEndpoints(plugin);
        var subnetPools = new SubnetPoolEndpoints(plugin);
        var addressScopes = new AddressScopeEndpoints(plugin);
        networks.Map(app, options.DefaultProject);
        subnets.Map(app, options.DefaultProject);
        ports.Map(app, options.DefaultProject);
        routers.Map(app, options.DefaultProject);
        floatingIps.Map(app, options.DefaultProject);
        groups.Map(app, options.DefaultProject);
        rules.Map(app, options.DefaultProject);
        rbac.Map(app, options.DefaultProject);
        subnetPools.Map(app, options.DefaultProject);
        addressScopes.Map(app, options.DefaultProject);
        AgentEndpoints.Map(app);
        AvailabilityZones.Map(app);
        NetworkIpAvailabilityEndpoints.Map(app, plugin, options.DefaultProject);
        Quotas.QuotaEndpoints.Map(app, options.DefaultProject, nb, plugin.Quotas);
        DiscoveryEndpoints.Map(app,
            [networks.Collection, subnets.Collection, ports.Collection, routers.Collection, floatingIps.Collection, groups.Collection, SecurityGroupRuleEndpoints.Collection,
             RbacPolicyEndpoints.Collection, subnetPools.Collection, addressScopes.Collection],
            Extensions.All);
        return new NeutronServer(app, authenticator as IDisposable);
    }

    static IAuthenticator? Authenticator(ServerOptions options, ILoggerFactory loggers) => options.AuthStrategy switch
    {
        "noauth" => null,
        "token" => options.Tokens ?? throw new ArgumentException("auth_strategy token needs Tokens (the [api] token_file)"),
        "keystone" => new KeystoneTokenValidator(
            options.Keystone ?? throw new ArgumentException("auth_strategy keystone needs Keystone (the [keystone_authtoken] section)"),
            loggers.CreateLogger("Dragonflow.Server.Auth.Keystone")),
        _ => throw new ArgumentException($"unknown auth_strategy {options.AuthStrategy}"),
    };

    public async Task StartAsync(CancellationToken cancellationToken = default) => await _app.StartAsync(cancellationToken);

    /// <summary>The address Kestrel listens on (with the real port when the bind asked for port 0).</summary>
    public Uri Address =>
        new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public Task WaitForShutdownAsync(CancellationToken cancellationToken) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync();
        }
        finally
        {
            await _app.DisposeAsync();
            _authenticator?.Dispose();
        }
    }
}
