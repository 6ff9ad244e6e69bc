using Hangfire;
using JobExporter.Contracts;
using JobExporter.Emitter;
using JobExporter.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace JobExporter.Hangfire.Backlog;

/// <summary>
/// Reads the storage's backlog every <see cref="BacklogOptions.Interval"/> while a Hangfire server runs in this process,
/// and publishes each read as a <c>storage-backlog</c> event. The timer is its own and each read runs on a thread of
/// its own, so a storage that throws or hangs never touches a job's thread. A read that throws, or is still running
/// after <see cref="BacklogOptions.Timeout"/>, publishes nothing and is counted (<see cref="EmitterCore.BacklogFailures"/>,
/// carried by the heartbeat); while a hung read still runs, no other starts, and each interval it keeps counts again.
/// </summary>
internal sealed class BacklogReporter : IAsyncDisposable
{
    // A read fails at most once an interval, so one in 100: at the default 15 s, a storage that stays broken logs every 25 minutes.
    private static readonly LogSampling FailureLog = new(first: 3, every: 100);

    private readonly EmitterCore _core;
    private readonly BacklogOptions _options;
    private readonly BacklogReader _reader;
    private readonly ILogger _logger;
    private readonly object _lock = new(); // not System.Threading.Lock: the package also targets net8.0
    private int _servers;
    private CancellationTokenSource? _stop;
    private Task? _loop;

    public BacklogReporter(EmitterCore core, BacklogOptions options, BacklogQueueNames queues, ILogger? logger = null)
    {
        _core = core;
        _options = options;
        Queues = queues;
        _reader = new BacklogReader(queues);
        _logger = logger ?? NullLogger.Instance;
    }

    public BacklogQueueNames Queues { get; }

    /// <summary>A server started on <paramref name="storage"/>; the first one starts the reporter, on its storage.</summary>
    public void ServerStarted(JobStorage storage)
    {
        lock (_lock)
        {
            if (_servers++ > 0) return;
            _core.ReportsBacklog();
            _stop = new CancellationTokenSource();
            var token = _stop.Token;
            _loop = Task.Run(() => LoopAsync(storage, token));
        }
    }

    /// <summary>A server stopped; the last one stops the reporter (a read still running is left to finish alone).</summary>
    public async Task ServerStoppedAsync()
    {
        CancellationTokenSource? stop;
        Task? loop;
        lock (_lock)
        {
            if (_servers == 0 || --_servers > 0) return;
            (stop, loop, _stop, _loop) = (_stop, _loop, null, null);
        }
        stop?.Cancel();
        if (loop is not null) await loop.ConfigureAwait(false);
        stop?.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        lock (_lock) _servers = Math.Min(_servers, 1);
        await ServerStoppedAsync().ConfigureAwait(false);
    }

    private async Task LoopAsync(JobStorage storage, CancellationToken stop)
    {
        using var timer = new Ticker(_core.Time, _options.Interval);
        Task<BacklogSnapshot>? read = null;
        try
        {
            do
            {
                if (read is { IsCompleted: false })
                {
                    Failed(new TimeoutException($"The backlog read started {_options.Interval} or more ago is still running."));
                    continue;
                }
                // The deadline runs from before the read starts, so a read seen started is already timed.
                using var readOver = CancellationTokenSource.CreateLinkedTokenSource(stop);
                var deadline = TimerWaits.After(_core.Time, _options.Timeout, readOver.Token);
                read = Task.Factory.StartNew(() => _reader.Read(storage), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                // A read given up on may still fail later: its exception is observed here, not left to the finalizer.
                _ = read.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                var first = await Task.WhenAny(read, deadline).ConfigureAwait(false);
                readOver.Cancel();
                if (stop.IsCancellationRequested) return;
                if (first != read)
                {
                    Failed(new TimeoutException($"Reading the backlog took longer than {_options.Timeout}."));
                }
                else if (read.Exception is { } failed)
                {
                    Failed(failed.InnerException ?? failed);
                }
                else
                {
                    _core.Publish(_core.Events.Backlog(read.Result, _options.Interval));
                }
            }
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
        }
    }

    // Counted, carried in the heartbeat, and logged a few times then rarely, so a broken storage cannot flood the log.
    private void Failed(Exception ex)
    {
        _core.BacklogReadFailed();
        var count = _core.BacklogFailures;
        try
        {
            if (FailureLog.ShouldLog(count))
            {
                _logger.LogWarning(ex, "JobExporter emitter (hangfire): reading the storage's backlog failed ({Count} so far); jobs are not affected", count);
            }
        }
        catch
        {
            // A failing logger must not stop the reporter.
        }
    }
}
