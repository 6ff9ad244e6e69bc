using Hangfire.Common;
using Hangfire.Server;
using JobExporter.Contracts;
using JobExporter.Hangfire.Client;
using JobExporter.Hangfire.Server;
using JobExporter.Hangfire.States;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace JobExporter.Hangfire;

/// <summary>
/// The Hangfire emitter of one process: it owns the event publisher, the job filters that translate Hangfire's
/// hooks into events, and the server process that announces this host as a worker. Its hooks never throw into
/// Hangfire and never wait on the broker: failures are counted in <see cref="HookFailures"/>, and events the
/// broker could not take in time are counted in <see cref="Dropped"/>.
/// </summary>
public sealed class JobExporterEmitter : IAsyncDisposable
{
    private readonly EventPublisher _publisher;
    private readonly ILogger _logger;
    private readonly (object Filter, int? Order)[] _filters;
    private readonly Lock _lock = new();
    private JobFilterCollection? _installedIn;
    private WorkerHeartbeat? _heartbeat;
    private int _servers;
    private long _hookFailures;
    private int _disposed;

    public JobExporterEmitter(JobExporterHangfireOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? time = null)
    {
        options.Validate();
        Options = options;
        Time = time ?? TimeProvider.System;
        loggerFactory ??= NullLoggerFactory.Instance;
        _logger = loggerFactory.CreateLogger<JobExporterEmitter>();
        _publisher = new EventPublisher(options.ToPublisherOptions(), loggerFactory.CreateLogger<EventPublisher>());
        Events = new EventFactory(JobExporterHangfireOptions.System, options.EffectiveHostname, Time);
        WorkerProcess = new WorkerProcess(this);
        // The received filter runs first and the started filter last, so that a filter cancelling the job in
        // between makes it "rejected" (received, never started) and the runtime covers the job alone.
        _filters =
        [
            (new JobSentFilter(this), null),
            (new JobReceivedFilter(this), int.MinValue),
            (new JobStartedFilter(this), int.MaxValue),
            (new DequeuedFilter(this), null),
            (new OutcomeFilter(this), null),
        ];
    }

    public JobExporterHangfireOptions Options { get; }

    /// <summary>The Hangfire server process that sends worker-online, heartbeats and worker-offline; pass it to a
    /// <c>BackgroundJobServer</c> (<c>AddJobExporterHangfire</c> registers it for <c>AddHangfireServer</c>).</summary>
    public IBackgroundProcess WorkerProcess { get; }

    /// <summary>Events the broker has confirmed.</summary>
    public long Published => _publisher.Published;

    /// <summary>Events dropped because the buffer was full while the broker was slow or away.</summary>
    public long Dropped => _publisher.Dropped;

    /// <summary>Hook calls that failed inside the emitter (caught, counted and logged; the job went on).</summary>
    public long HookFailures => Interlocked.Read(ref _hookFailures);

    /// <summary>Jobs performing now in this process.</summary>
    public int ActiveJobs => Jobs.Active;

    /// <summary>True while the publisher has a channel open to the broker.</summary>
    public bool IsConnected => _publisher.IsConnected;

    internal EventFactory Events { get; }
    internal RunningJobs Jobs { get; } = new();
    internal TimeProvider Time { get; }

    /// <summary>The filter objects and their Hangfire order (none: the default), as <see cref="InstallFilters"/> adds them.</summary>
    internal IReadOnlyList<(object Filter, int? Order)> FilterRegistrations => _filters;

    /// <summary>Adds the emitter's filters to a filter collection (normally <c>GlobalJobFilters.Filters</c>); once only.</summary>
    public void InstallFilters(JobFilterCollection filters)
    {
        lock (_lock)
        {
            if (_installedIn is not null) return;
            foreach (var (filter, order) in _filters)
            {
                if (order is { } o) filters.Add(filter, o);
                else filters.Add(filter);
            }
            _installedIn = filters;
        }
    }

    /// <summary>Takes the emitter's filters out of the collection they were installed in.</summary>
    public void RemoveFilters()
    {
        lock (_lock)
        {
            if (_installedIn is null) return;
            foreach (var (filter, _) in _filters) _installedIn.Remove(filter);
            _installedIn = null;
        }
    }

    internal void Publish(JobEvent e) => _publisher.TryPublish(e);

    internal double Now() => Events.Now();

    internal void HookFailed(string hook, Exception ex)
    {
        // The first few are logged; after that only the counter moves, so a broken hook cannot flood the log.
        if (Interlocked.Increment(ref _hookFailures) <= 3)
        {
            _logger.LogWarning(ex, "JobExporter Hangfire emitter: {Hook} failed; the job is not affected", hook);
        }
    }

    // A Hangfire server started running the worker process. Several servers in one process share one heartbeat.
    internal void ServerStarted()
    {
        lock (_lock)
        {
            if (_servers++ > 0 || _disposed != 0) return;
            _heartbeat = new WorkerHeartbeat(_publisher, Events, Options.HeartbeatInterval, () => Jobs.Active, Time);
            _heartbeat.Start();
        }
    }

    internal void ServerStopped()
    {
        WorkerHeartbeat? stopping;
        lock (_lock)
        {
            if (_servers == 0 || --_servers > 0) return;
            stopping = _heartbeat;
            _heartbeat = null;
        }
        stopping?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Removes the filters, sends worker-offline if a server still runs, and flushes what is buffered.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        RemoveFilters();
        WorkerHeartbeat? heartbeat;
        lock (_lock)
        {
            heartbeat = _heartbeat;
            _heartbeat = null;
            _servers = 0;
        }
        if (heartbeat is not null) await heartbeat.DisposeAsync().ConfigureAwait(false);
        await _publisher.DisposeAsync().ConfigureAwait(false);
    }
}
