using Dragonflow.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dragonflow.NorthDb.PubSub;

/// <summary>
/// Keeps a publisher's row in the NB publisher table: writes it at start, refreshes
/// last_activity_timestamp every interval, deletes rows of other publishers silent for longer
/// than the timeout (a crashed server), and deletes its own row on dispose.
/// </summary>
public sealed class PublisherRegistration : IDisposable
{
    private readonly NbApi _api;
    private readonly INbPublisher _publisher;
    private readonly TimeSpan _refreshInterval;
    private readonly TimeSpan _timeout;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public PublisherRegistration(NbApi api, INbPublisher publisher, TimeSpan refreshInterval, TimeSpan timeout, ILogger<PublisherRegistration>? logger = null, TimeProvider? time = null)
    {
        _api = api;
        _publisher = publisher;
        _refreshInterval = refreshInterval;
        _timeout = timeout;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Registers now and keeps refreshing in the background.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await RefreshAsync(cancellationToken);
        _loop = Task.Run(LoopAsync, CancellationToken.None);
    }

    /// <summary>One round: write our own row, remove stale ones.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        var uri = _publisher.Uri ?? throw new InvalidOperationException("publisher has no uri; start it first");
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        try
        {
            await _api.UpdateAsync<Publisher>(_publisher.PublisherId, p => (p.Uri, p.LastActivityTimestamp) = (uri, now), cancellationToken);
        }
        catch (NbKeyNotFoundException)
        {
            await _api.CreateAsync(new Publisher { Id = _publisher.PublisherId, Uri = uri, LastActivityTimestamp = now }, cancellationToken);
        }

        var all = await _api.ListAsync<Publisher>(cancellationToken: cancellationToken);
        foreach (var stale in all.Items.Where(p => p.Id != _publisher.PublisherId && now - p.LastActivityTimestamp > _timeout.TotalSeconds))
        {
            try
            {
                // At the version we saw, so a publisher that refreshed meanwhile is kept.
                await _api.DeleteAsync<Publisher>(stale.Id, stale.Version, cancellationToken);
                _logger.LogInformation("removed stale publisher {Id} at {Uri}", stale.Id, stale.Uri);
            }
            catch (Exception e) when (e is NbVersionConflictException or NbKeyNotFoundException)
            {
            }
        }
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(_refreshInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                try
                {
                    await RefreshAsync(_stop.Token);
                }
                catch (Exception e) when (!_stop.IsCancellationRequested)
                {
                    // Not only NbException: a refresh that fails in any way must not end the loop,
                    // or the publisher would age out of the table while it still publishes.
                    _logger.LogWarning("publisher refresh failed: {Error}", e is NbException ? e.Message : e.ToString());
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _loop?.Wait(TimeSpan.FromSeconds(5));
            _api.DeleteAsync<Publisher>(_publisher.PublisherId).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is NbException or AggregateException or ObjectDisposedException)
        {
            _logger.LogDebug("publisher deregistration: {Error}", e.Message);
        }
        _stop.Dispose();
    }
}
