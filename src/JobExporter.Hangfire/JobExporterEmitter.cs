using Hangfire.Common;
using Hangfire.Server;
using JobExporter.Contracts;
using JobExporter.Emitter;
using JobExporter.Hangfire.Backlog;
using JobExporter.Hangfire.Client;
using JobExporter.Hangfire.Server;
using Microsoft.Extensions.Logging;

namespace JobExporter.Hangfire;

/// <summary>
/// The Hangfire emitter of one process: the shared <see cref="EmitterCore"/> (publisher, failure policy, heartbeat,
/// meter <c>JobExporter.Hangfire</c>), the job filters that translate Hangfire's hooks into events, and the server
/// process that announces this host as a worker. Its hooks never throw into Hangfire and never wait on the broker.
/// </summary>
public sealed class JobExporterEmitter : IAsyncDisposable
{
    /// <summary>The name of the emitter's <see cref="System.Diagnostics.Metrics.Meter"/>: the package's name.</summary>
    public const string MeterName = "JobExporter.Hangfire";

    private readonly (object Filter, int? Order)[] _filters;
    private readonly object _lock = new(); // not System.Threading.Lock: the package also targets net8.0
    private JobFilterCollection? _installedIn;
    private int _disposed;

    public JobExporterEmitter(JobExporterHangfireOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? time = null)
        : this(options, publisher: null, loggerFactory, time)
    {
    }

    /// <summary>With the events going to <paramref name="publisher"/> (tests record them there).</summary>
    internal JobExporterEmitter(JobExporterHangfireOptions options, IEventPublisher? publisher, ILoggerFactory? loggerFactory = null, TimeProvider? time = null)
    {
        options.Backlog ??= new BacklogOptions();
        var backlogProblems = options.Backlog.Problems();
        if (backlogProblems.Count > 0) throw new ArgumentException("Invalid JobExporter emitter settings: " + string.Join(" ", backlogProblems));
        Options = options;
        Core = new EmitterCore(options, JobExporterHangfireOptions.System, MeterName, loggerFactory, time, publisher);
        if (options.Backlog.Enabled)
        {
            Backlog = new BacklogReporter(Core, options.Backlog, new BacklogQueueNames(options.Backlog.Queues), loggerFactory?.CreateLogger(MeterName));
        }
        WorkerProcess = new WorkerProcess(this);
        // One client filter, first, so that it sees whether the job was created; one worker filter, last (see WorkerFilter).
        _filters =
        [
            (new JobSentFilter(this), int.MinValue),
            (new WorkerFilter(this), int.MaxValue),
        ];
    }

    public JobExporterHangfireOptions Options { get; }

    /// <summary>The Hangfire server process that sends worker-online, heartbeats and worker-offline; pass it to a
    /// <c>BackgroundJobServer</c> (<c>AddJobExporterHangfire</c> registers it for <c>AddHangfireServer</c>).</summary>
    public IBackgroundProcess WorkerProcess { get; }

    /// <summary>Events the broker has confirmed.</summary>
    public long Published => Core.Publisher.Published;

    /// <summary>Events dropped because the buffer was full while the broker was slow or away.</summary>
    public long Dropped => Core.Publisher.Dropped;

    /// <summary>Attempts to reach the broker or publish a batch that failed (each is retried).</summary>
    public long PublishFailures => Core.Publisher.PublishFailures;

    /// <summary>Hook calls that failed inside the emitter (caught, counted and logged; the job went on).</summary>
    public long HookFailures => Core.HookFailures;

    /// <summary>Jobs performing now in this process.</summary>
    public int ActiveJobs => Core.Active;

    /// <summary>True while the publisher has a channel open to the broker.</summary>
    public bool IsConnected => Core.Publisher.IsConnected;

    /// <summary>Reads of the storage's backlog that failed or timed out (the jobs were not affected).</summary>
    public long BacklogFailures => Core.BacklogFailures;

    internal EmitterCore Core { get; }

    /// <summary>The backlog reporter; null when <see cref="BacklogOptions.Enabled"/> is false.</summary>
    internal BacklogReporter? Backlog { get; }
    internal EventFactory Events => Core.Events;
    internal TimeProvider Time => Core.Time;

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

    /// <summary>Publishes a job event (the hooks' path: nothing allocated).</summary>
    internal void PublishJob(EventType type, string name, string queue, string jobId, double? runtime = null, double? wait = null, string? exception = null)
    {
        // The queues this process's jobs use are queues the backlog reporter reads.
        Backlog?.Queues.Learn(queue);
        Core.Publish(Events.PendingJob(type, name, queue, jobId, runtime, wait, exception));
    }

    internal double Now() => Events.Now();

    internal void HookFailed(string hook, Exception ex) => Core.HookFailed(hook, ex);

    /// <summary>Removes the filters, sends worker-offline if a server still runs, and flushes what is buffered.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        RemoveFilters();
        if (Backlog is not null) await Backlog.DisposeAsync().ConfigureAwait(false);
        await Core.DisposeAsync().ConfigureAwait(false);
    }
}
